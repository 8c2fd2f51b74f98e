"""Certificate images: rendered once per (what they draw, language, variant), kept in storage.

The renderer is deterministic, so a stored file and a fresh render are the same bytes; a missing file
is simply rendered again. Storage is a directory (CERTIFICATE_STORAGE_DIR); another backend (an
S3-compatible store) would implement the same two methods, get and put.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.capacity import heavy_work
from app.domain.china_time import china_date
from app.domain.privacy import public_holder
from app.errors import InvalidInput
from app.extensions import db
from app.i18n import coded, pick, pick_text, translate
from app.models import Certificate
from app.rendering import certificate_fingerprint
from app.rendering.certificate import LANGS as RENDERED_LANGS
from app.rendering.certificate import CertificateData, render_certificate
from app.services.offsetting.certificates import (
    CertificateNotFound,
    certificate_for_picture,
    claim_sections,
    event_claim,
)
from app.urls import verify_url

VARIANTS = ("portrait", "card")
ISSUER = "点点碳中和 Diandian"


class FileStorage:
    """Rendered files in a directory; writes are atomic (write aside, rename), so readers never see half."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[3:5] / key  # keys start "DD-": shard on the random part

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def delete_serial(self, serial: str) -> int:
        """Remove every stored render of one certificate (all states, languages, variants); returns how many."""
        removed = 0
        for path in self._path(serial).parent.glob(f"{serial}.*"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def storage() -> FileStorage:
    return current_app.extensions.setdefault(
        "certificate_storage", FileStorage(current_app.config["CERTIFICATE_STORAGE_DIR"]))


@dataclass(frozen=True)
class Image:
    data: bytes
    etag: str


def certificate_data(c: Certificate, *, lang: str = "zh", shown: bool = True,
                     items: list | None = None) -> CertificateData:
    """What the picture says; a holder who chose not to show is drawn as the mask (app.domain.privacy).
    `items`: the footprint's line items when the caller read them with the certificate (else read here)."""
    s, p = c.scenario, c.project
    event = event_claim(c)
    return CertificateData(
        serial=c.serial, status=c.status, holder=public_holder(c.holder, shown, lang, translate), kg=c.kg,
        subject="organizer" if event else {"life": "life", "conference": "event"}.get(s.kind, "visit"),
        event_parts=(event["total_kg"], event["credited_guests_kg"], event["guest_certificates"],
                     event["topup_kg"]) if event else None,
        scenario_title=pick_text(s.texts_of("title"), lang), venue=pick_text(s.texts_of("venue"), lang),
        city=pick_text(s.texts_of("city"), lang),
        event_date=china_date(s.starts_at) if s.starts_at and s.kind != "life" else None,
        project_name=pick(p.name, p.name_en, lang), standard=p.standard,
        credit_serials=tuple(claim.unit.serial for claim in c.claims),
        issued_on=china_date(c.issued_at), issuer=ISSUER, verify_url=verify_url(c.serial),
        revoked_on=china_date(c.revoked_at) if c.revoked_at else None, sections=claim_sections(c, items),
    )


def drawn_language(lang: str) -> str:
    """The language the picture is drawn in: `lang` when the renderer speaks it (app.rendering.certificate
    LANGS, the catalogue's six), else Chinese (what an unknown language falls back to)."""
    return lang if lang in RENDERED_LANGS else "zh"


def certificate_image(serial: str, *, lang: str, variant: str) -> Image:
    """:raise CertificateNotFound: :raise InvalidInput: unknown variant. :raise app.capacity.Busy:"""
    if variant not in VARIANTS:
        raise InvalidInput(fields={"variant": [coded("One of: {choices}.", "one_of", choices=", ".join(VARIANTS))]})
    return _Picture.read(serial, lang).image(variant, wait=None)[0]


def prerender(serial: str, langs: tuple[str, ...], *, wait: float | None = None) -> int:
    """Store every variant of a certificate in these languages, under the keys a later GET reads, so the
    guest's first look is a stored file (after-payment work, app.tasks). Files already stored are left
    alone, so running it twice changes nothing; a certificate gone (erased) is nothing to do. Returns how
    many pictures were drawn. The certificate is read once per language, for both variants.

    :raise app.capacity.Busy: no heavy slot came free within `wait` seconds (the queue retries later).
    """
    drawn = 0
    for lang in langs:
        try:
            picture = _Picture.read(serial, lang)
        except CertificateNotFound:
            db.session.rollback()
            return drawn
        drawn += sum(picture.image(variant, wait=wait)[1] for variant in VARIANTS)
    return drawn


@dataclass(frozen=True)
class _Picture:
    """What a certificate's pictures in one language draw, and the start of their storage keys."""

    content: CertificateData
    lang: str
    named: str  # the key before the variant: serial, status, named or masked, language
    drawn: str  # the key after it: the renderer's fingerprint and the digest of what is drawn

    @classmethod
    def read(cls, serial: str, lang: str) -> _Picture:
        """:raise CertificateNotFound:"""
        lang = drawn_language(lang)
        certificate, shown, items = certificate_for_picture(serial)
        content = certificate_data(certificate, lang=lang, shown=shown, items=items)
        # The key names everything the picture depends on: what it draws (holder as shown, the scenario's
        # and project's texts as they are now, the serials, the verify address under today's
        # PUBLIC_BASE_URL), the status, language and variant, and the renderer's sources and fonts. Any
        # change is a new file, so the key is also the ETag (no need to hash the bytes on every request).
        named = f"{certificate.serial}.{certificate.status}.{'named' if shown else 'masked'}.{lang}"
        # Nothing stays open while the picture is read or drawn. After the key: the rollback expires the
        # certificate, and reading it then would load the whole row, its relations and claims again.
        db.session.rollback()
        drawn_digest = hashlib.sha256(repr(content).encode()).hexdigest()[:12]
        return cls(content, lang, named, f"{certificate_fingerprint()}.{drawn_digest}.png")

    def image(self, variant: str, *, wait: float | None) -> tuple[Image, bool]:
        """The picture in this variant, and whether it had to be drawn (no stored file)."""
        key = f"{self.named}.{variant}.{self.drawn}"
        data = storage().get(key)
        drawn = data is None
        if drawn:
            with heavy_work(wait):  # a cold render is tens of ms of CPU: capped per host (app.capacity)
                data = render_certificate(self.content, lang=self.lang, variant=variant)
            storage().put(key, data)
        return Image(data=data, etag=hashlib.sha256(key.encode()).hexdigest()[:32]), drawn
