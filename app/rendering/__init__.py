"""Image renderers (pure functions: no Flask, no database).

certificate: the carbon-neutral certificate of honour (碳中和荣誉证书) as a PNG.
"""
from __future__ import annotations

from app.rendering.certificate import CertificateData, fonts_ok, render_certificate, summarise_serials

__all__ = ["CertificateData", "fonts_ok", "render_certificate", "summarise_serials"]
