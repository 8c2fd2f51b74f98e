"""What the public sees of a person: the masked holder, and a footprint's line items without places.

Public surfaces (certificate JSON, verify page, certificate image, registry, boards, the organiser's
dashboard and exports) prove a claim: so many kilograms, from these retired units, computed with these
factors. They need not say who travelled where. A holder who chose not to show
(`show_on_leaderboard: false`, or an erased guest) is replaced by one generic label, the same one the
boards always used: a first character and asterisks would still print a surname, and a generic label
cannot be told apart from any other opted-out guest.
"""
from __future__ import annotations

from collections.abc import Callable

from app.domain.messages import N_

#: The one masked name: a msgid of the catalogue (app/i18n.py), so it is said in every language the service
#: speaks. Pure code translates nothing: callers pass the catalogue's `translate(msgid, lang)`.
ANONYMOUS = N_("Anonymous guest")

Translate = Callable[[str, str], str]


def masked_name(lang: str, translate: Translate) -> str:
    """In `lang` (another language by the catalogue's fallback rule)."""
    return translate(ANONYMOUS, lang)


def public_holder(holder: str, shown: bool, lang: str, translate: Translate) -> str:
    """The holder text a public surface prints: the stored text if the holder shows, else the mask.

    The stored text is the typed beneficiary or the guest's nickname; both are masked alike.
    """
    return holder if shown else masked_name(lang, translate)


def without_places(item: dict) -> dict:
    """A stored line item without the places it was computed between (ids and names).

    Category, mode, factor, amount and kilograms stay: they are the proof. The distance stays too: it is
    kilograms divided by the factor anyway, so hiding it would hide nothing.
    """
    if item.get("from") is None and item.get("to") is None:
        return item
    return {**item, "from": None, "to": None}


def mask_identifier(value: str | None) -> str | None:
    """A WeChat identifier shortened to its first and last four characters: enough for a guest to recognise
    it, not enough to match it against anyone's records."""
    if not value:
        return None
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}…{value[-4:]}"
