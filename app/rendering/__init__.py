"""Image renderers (pure functions: no Flask, no database).

certificate: the carbon-neutral certificate of honour (碳中和荣誉证书) as a PNG.
poster: the printed QR poster (扫码海报) as a PNG or PDF.
The shared toolkit both draw with: palette (colours), fonts (the bundled faces and their coverage),
text (cleaning, wrapping, fitting, dates), qr (QR codes), ornaments (emblem, seal, frame...), canvas
(the drawing surface and the PNG encoding).
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from app.rendering.certificate import CertificateData, fonts_ok, render_certificate, summarise_serials

__all__ = [
    "CertificateData",
    "certificate_fingerprint",
    "fonts_ok",
    "render_certificate",
    "summarise_serials",
]

_HERE = Path(__file__).resolve().parent


@cache
def certificate_fingerprint() -> str:
    """10 hex characters that change whenever the certificate's pictures may change: sha256 over the
    bytes of every .py file under app/rendering/ (in sorted path order) and then fonts/coverage.json
    (which records the font files' hashes). Computed once per process."""
    h = hashlib.sha256()
    for path in sorted(_HERE.rglob("*.py"), key=lambda p: p.relative_to(_HERE).as_posix()):
        h.update(path.read_bytes())
    h.update((_HERE / "fonts" / "coverage.json").read_bytes())
    return h.hexdigest()[:10]
