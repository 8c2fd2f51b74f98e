"""Certificates (contract endpoint 11): public, by serial (the verify page is in pages.py)."""
from flask import Blueprint, Response, request

from app.i18n import language
from app.schemas.offsetting.certificates import CertificateSchema
from app.services.offsetting import certificate_images, certificates

bp = Blueprint("certificates", __name__, url_prefix="/api/v1/certificates")

CERTIFICATE_SCHEMA = CertificateSchema()


@bp.get("/<serial>")
def get(serial: str):
    """The public record of a certificate: holder, kilograms, project and every credit serial claimed."""
    return CERTIFICATE_SCHEMA.dump(certificates.certificate_view(serial))


@bp.get("/<serial>/image.png")
def image(serial: str):
    """The certificate of honour as a PNG (?variant=card for chat cards; ?lang=en or Accept-Language)."""
    lang = language()  # ?lang= wins over Accept-Language
    picture = certificate_images.certificate_image(serial, lang=lang, variant=request.args.get("variant", "portrait"))
    response = Response(picture.data, mimetype="image/png")
    response.set_etag(picture.etag)
    # Short: a revocation must show within minutes; the ETag makes revalidation cheap.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")
    return response.make_conditional(request)
