"""Emission factor sets: loaded from the CSV files shipped in app/data/factors/ (pure code, no Flask)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

DEFAULT_FACTOR_SET = "diandian-2025.1"
FACTORS_DIR = Path(__file__).resolve().parent.parent / "data" / "factors"


@dataclass(frozen=True)
class Factor:
    key: str
    category: str
    unit: str
    value: Decimal
    basis: str
    source: str
    year: int
    reference: str
    note: str

    @property
    def per_vehicle(self) -> bool:
        return self.unit == "vehicle.km"


@dataclass(frozen=True)
class FactorSet:
    """One versioned set of factors plus the circuity rules of its method."""

    version: str
    factors: dict[str, Factor]
    circuity: dict[str, Decimal]
    method: str

    def get(self, key: str) -> Factor:
        return self.factors[key]

    def keys(self, prefix: str) -> list[str]:
        return [k for k in self.factors if k.startswith(prefix)]

    @property
    def travel_modes(self) -> list[str]:
        return [k for k, f in self.factors.items() if f.category == "travel"]

    @property
    def hotel_countries(self) -> list[str]:
        return [k.rsplit(".", 1)[1] for k in self.keys("stay.hotel.")]

    @property
    def grids(self) -> list[str]:
        """Regional grids; the national average (CN) is the default when none is named."""
        return [k.rsplit(".", 1)[1] for k in self.keys("electricity.grid.") if not k.endswith(".CN")]

    @property
    def diets(self) -> list[str]:
        return [k.split(".", 1)[1] for k in self.keys("diet.")]

    def circuity_for(self, mode: str) -> Decimal:
        return self.circuity[mode.split(".", 1)[0]]


def load_factor_set(version: str = DEFAULT_FACTOR_SET, directory: Path = FACTORS_DIR) -> FactorSet:
    """Read `<version>.csv` and the distance rules; values stay exact Decimals from the text."""
    factors: dict[str, Factor] = {}
    with open(directory / f"{version}.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            factors[row["key"]] = Factor(
                key=row["key"],
                category=row["category"],
                unit=row["unit"],
                value=Decimal(row["kgco2e_per_unit"]),
                basis=row["basis"],
                source=row["source"],
                year=int(row["year"]),
                reference=row["reference"],
                note=row["note"],
            )
    circuity: dict[str, Decimal] = {}
    with open(directory / "distance-rules.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            circuity[row["mode_group"]] = Decimal(row["value"])
    method = (directory / "README.md").read_text(encoding="utf-8")
    return FactorSet(version=version, factors=factors, circuity=circuity, method=method)


@lru_cache(maxsize=8)
def factor_set(version: str = DEFAULT_FACTOR_SET) -> FactorSet:
    """The loaded set, cached per process (the files never change while the service runs). A version is a
    short name (at most 64 characters: a longer one would be a file name the system refuses)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,63}", version) or not (FACTORS_DIR / f"{version}.csv").is_file():
        raise KeyError(version)
    return load_factor_set(version)
