"""Emission factor sets: every factor with its source, and the method, so results can be checked."""
from flask import Blueprint, request

from app import caching
from app.i18n import language
from app.schemas.guest.factor_sets import FactorSetSchema
from app.services.guest import factor_sets

bp = Blueprint("factor_sets", __name__, url_prefix="/api/v1/factor-sets")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
FACTOR_SET_SCHEMA = FactorSetSchema()
# (version, language) -> (dumped set, its ETag): a published set never changes, and it is the same for every
# guest reading it in one language (the factors' `source_label` is in the request's language).
FACTOR_SET_PAGES = caching.cache(maxsize=64)
FACTOR_SET_MAX_AGE = 3600


@bp.get("/<version>")
def get(version: str):
    """The factor set `version` (e.g. diandian-2025.1): factors, sources, circuity and method text."""
    fs = factor_sets.get_factor_set(version)
    lang = language()
    cached = FACTOR_SET_PAGES.get((version, lang), fs)
    if cached is None:
        page = FACTOR_SET_SCHEMA.dump(fs)
        cached = (page, caching.etag(version, lang, repr(page)))
        FACTOR_SET_PAGES.put((version, lang), fs, cached)
    page, tag = cached
    headers = {"ETag": f'"{tag}"', "Cache-Control": f"public, max-age={FACTOR_SET_MAX_AGE}",
               "Vary": "Accept-Language"}
    if request.if_none_match.contains(tag):
        return "", 304, headers
    return page, 200, headers
