"""Published factor sets."""
from app.domain.factors import FactorSet, factor_set
from app.errors import FactorSetNotFound


def get_factor_set(version: str) -> FactorSet:
    """:raise FactorSetNotFound:"""
    try:
        return factor_set(version)
    except KeyError:
        raise FactorSetNotFound() from None
