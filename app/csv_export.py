"""CSV files people open in Excel or WPS: UTF-8 with a BOM (so Chinese reads right), streamed in chunks,
and no cell a spreadsheet would run as a formula (CSV injection: text starting = + - @ gets a quote)."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")  # "-12.34" is an amount, not a formula
CHUNK_ROWS = 500


def safe_cell(value):
    """None as empty, dates in ISO 8601, typed text guarded; numbers as they are."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def stream_csv(header: Iterable[str], rows: Iterable[Iterable], *, bom: bool = True) -> Iterator[str]:
    """The file in chunks of CHUNK_ROWS rows, never whole in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(v) for v in row])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A small file whole (e.g. a month's statement)."""
    return "".join(stream_csv(header, rows))
