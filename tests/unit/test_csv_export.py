"""The CSV writer: spreadsheet formulas never run, amounts stay numbers, files stream in chunks."""
import csv
import io
from datetime import date

from app import csv_export


def test_cells_a_spreadsheet_would_run_are_quoted_and_amounts_are_not():
    assert csv_export.safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert csv_export.safe_cell("@SUM(A1)") == "'@SUM(A1)" and csv_export.safe_cell("+86 138") == "'+86 138"
    assert csv_export.safe_cell("-12.34") == "-12.34" and csv_export.safe_cell(-5) == -5
    assert csv_export.safe_cell(None) == "" and csv_export.safe_cell(date(2026, 11, 22)) == "2026-11-22"
    assert csv_export.safe_cell("点点碳中和") == "点点碳中和"


def test_stream_has_a_bom_and_comes_in_chunks(monkeypatch):
    monkeypatch.setattr(csv_export, "CHUNK_ROWS", 2)
    chunks = list(csv_export.stream_csv(["a", "b"], ([i, f"行{i}"] for i in range(5))))
    assert len(chunks) == 3 and chunks[0].startswith("\ufeffa,b")
    rows = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert rows[0] == ["a", "b"] and rows[-1] == ["4", "行4"] and len(rows) == 6
