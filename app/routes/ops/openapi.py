"""The machine-readable API (contract v1.1): the OpenAPI document and a docs page that reads it.

The document is built by app.openapi from app.url_map, the marshmallow schemas and app/openapi/registry.py,
once per process. The docs page is Swagger UI, vendored under app/static/vendor/ (no CDN: it works
offline) and started by app/static/api-docs/init.js, under the same strict Content-Security-Policy as the
other pages.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.openapi import document
from app.routes.helpers import script_page

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"


@bp.get("/openapi.json")
def document_json():
    """This OpenAPI 3.1 document of every route (public, guest, staff, sandbox), generated from the schemas."""
    response = jsonify(document(current_app))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/docs")
def docs():
    """The API's docs page (Swagger UI over /api/v1/openapi.json), served from the service itself."""
    response = script_page("api_docs.html", swagger_ui=SWAGGER_UI)
    # Swagger UI's stylesheet draws its icons (select arrows, chevrons, copy) as data: SVG images: allow those
    # images on this page only. Scripts and styles stay 'self' (no inline ones, no eval).
    policy = response.headers["Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = policy.replace("img-src 'self'", "img-src 'self' data:", 1)
    return response
