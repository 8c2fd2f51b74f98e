"""The grammar of what a QR code carries (contract endpoint 2), shared by the deep-link resolver, the
console's door and scenario forms, the posters and the dashboard.

- the mini-program code's `scene`: `<code>` or `<code>.<door>`, at most 32 visible characters
  (WeChat getwxacodeunlimit);
- the printed link `{PUBLIC_BASE_URL}/s/<code>`, optionally with `?d=<door>`.
"""
from __future__ import annotations

import re

SCENE_MAX = 32
# A scenario code and a door tag: short and QR-safe. Always matched whole (re.fullmatch, or
# app.schemas.common.Pattern): with .match, `$` also matches before a final "\n" and "door\n" would pass.
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,24}$"
TAG_PATTERN = r"^[A-Za-z0-9_-]{1,24}$"
CODE_RE = re.compile(CODE_PATTERN)
TAG_RE = re.compile(TAG_PATTERN)
# The characters WeChat allows in a scene.
SCENE_RE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@._~-]+$")


def scene(code: str, tag: str | None = None) -> str:
    """The mini-program code's scene for a scenario (and door)."""
    return f"{code}.{tag}" if tag else code


def printed_link(base_url: str, code: str, tag: str | None = None) -> str:
    """The printed link whose QR code opens the mini-program on this scenario (and door)."""
    return f"{base_url}/s/{code}?d={tag}" if tag else f"{base_url}/s/{code}"


def fits_scene(code: str, tag: str) -> bool:
    """A door tag that can travel in a QR scene with this scenario's code."""
    return bool(TAG_RE.fullmatch(tag)) and len(scene(code, tag)) <= SCENE_MAX
