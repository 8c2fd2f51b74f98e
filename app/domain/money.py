"""Integer money and whole kilograms: the arithmetic of an order, with no float anywhere."""
from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

KG_PER_TONNE = 1000


def price_fen(kg: int, price_fen_per_tonne: int) -> int:
    """ceil(kg x price / 1000) in integers."""
    return -(-kg * price_fen_per_tonne // KG_PER_TONNE)


def minimum_kg(total_kg: Decimal) -> int:
    """A footprint's exact total rounded up to a whole kilogram (at least 1): what an order takes."""
    return max(1, int(Decimal(total_kg).to_integral_value(rounding=ROUND_CEILING)))


def yuan(fen: int, *, grouping: bool = False) -> str:
    """12345 → '123.45' (grouping: 1234567 → '12,345.67'), in integers: no float ever touches money."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}" if grouping else f"{sign}{whole}.{cents:02d}"
