"""What a personal certificate's claim covers: the sections of its footprint that had emissions.

A meals-only footprint is a claim about meals, not "travel and accommodation": the certificate, the verify
page and the API name exactly the sections neutralised, in this order.
"""
from __future__ import annotations

from decimal import Decimal

#: Line-item categories (app.domain.calculator) in the order a claim names them.
SECTIONS = ("travel", "stay", "meal", "energy", "diet")


def covered_sections(items: list[dict] | None) -> tuple[str, ...]:
    """The categories of the stored line items with more than 0 kg, in SECTIONS order."""
    present = {item.get("category") for item in items or () if Decimal(str(item.get("kg") or 0)) > 0}
    return tuple(section for section in SECTIONS if section in present)
