"""Emission factor sets: every factor with its source, and the method, so results can be checked."""
from flask import Blueprint

from app.schemas.guest.factor_sets import FactorSetSchema
from app.services.guest import factor_sets

bp = Blueprint("factor_sets", __name__, url_prefix="/api/v1/factor-sets")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
FACTOR_SET_SCHEMA = FactorSetSchema()


@bp.get("/<version>")
def get(version: str):
    """The factor set `version` (e.g. diandian-2025.1): factors, sources, circuity and method text."""
    return FACTOR_SET_SCHEMA.dump(factor_sets.get_factor_set(version))
