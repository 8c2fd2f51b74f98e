"""Public addresses the service hands out: printed links, verify pages and certificate images.

All absolute, under PUBLIC_BASE_URL, so a QR code printed or drawn today still opens the right page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from app.domain import deeplinks


def public_base() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def verify_url(serial: str) -> str:
    return f"{public_base()}/verify/{serial}"


def image_url(serial: str) -> str:
    return f"{public_base()}/api/v1/certificates/{serial}/image.png"


def certificate_urls(serial: str) -> dict[str, str]:
    """What every certificate reference in the API carries."""
    return {"verify_url": verify_url(serial), "image_url": image_url(serial)}


def printed_link(code: str, tag: str | None = None) -> str:
    return deeplinks.printed_link(public_base(), code, tag)


@dataclass(frozen=True)
class Door:
    """A door as the console shows it: its tag and label, and the two ways its QR code opens the scenario."""

    tag: str
    label: str | None
    link: str  # the printed link; its QR code opens the mini-program on this door
    scene: str  # the mini-program code's scene
    created_at: datetime


def door(code: str, row) -> Door:
    """The public face of a ScenarioDoor row of the scenario `code`."""
    return Door(tag=row.tag, label=row.label, link=printed_link(code, row.tag),
                scene=deeplinks.scene(code, row.tag), created_at=row.created_at)
