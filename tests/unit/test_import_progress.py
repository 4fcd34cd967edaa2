"""An import's progress figures: rows of the expected rows, the rate, the time left (crm_store.importer.progress)."""

from __future__ import annotations

import pytest

from crm_store.importer.progress import ImportProgress


@pytest.mark.parametrize(
    ("rows", "expected", "elapsed", "done", "percent", "rate", "left"),
    [
        (0, 1000, 0.0, False, 0.0, None, None),  # nothing yet: no rate, no time left
        (500, 1000, 0.2, False, 50.0, None, None),  # too early for a rate worth showing
        (20_000, 100_000, 2.0, False, 20.0, 10_000.0, 8.0),
        (99_990, 100_000, 10.0, False, 99.9, 9_999.0, 0.001),  # an estimate never says 100 before the end
        (120_000, 100_000, 12.0, False, 99.9, 10_000.0, 0.0),  # more rows than the estimate: not negative
        (30_000, None, 3.0, False, None, 10_000.0, None),  # size unknown: rate only
        (41, 41, 0.1, True, 100.0, 410.0, 0.0),  # the end: 100 %, whatever the estimate said
        (40, 45, 0.1, True, 100.0, 400.0, 0.0),
    ],
)
def test_progress_figures(
    rows: int,
    expected: int | None,
    elapsed: float,
    done: bool,
    percent: float | None,
    rate: float | None,
    left: float | None,
) -> None:
    p = ImportProgress(rows=rows, expected=expected, rejected=0, elapsed_s=elapsed, done=done)
    assert p.percent == (pytest.approx(percent) if percent is not None else None)
    assert p.rate == (pytest.approx(rate) if rate is not None else None)
    assert p.left_s == (pytest.approx(left, abs=1e-3) if left is not None else None)


def test_the_terminal_line_and_the_json_say_the_same() -> None:
    p = ImportProgress(rows=41_000, expected=120_000, rejected=3, elapsed_s=2.0)
    assert p.line() == "41,000 of ~120,000 rows (34.2 %), 20,500 rows/s, about 4 s left, 3 rejected"
    assert p.to_json() == {
        "rows": 41_000,
        "expected": 120_000,
        "rejected": 3,
        "elapsed_s": 2.0,
        "rate": 20_500.0,
        "percent": 34.2,
        "left_s": 3.9,
        "done": False,
    }


def test_every_column_an_import_can_reject_has_a_label_in_the_console() -> None:
    import json
    from pathlib import Path

    from crm_store.importer.rows import CUSTOMER_FIELDS, DEBT_FIELDS

    root = Path(__file__).resolve().parents[2] / "web" / "static" / "i18n"
    for lang in ("ru", "en"):
        strings = json.loads((root / f"{lang}.json").read_text(encoding="utf-8"))
        fields = set(CUSTOMER_FIELDS) | set(DEBT_FIELDS)
        assert sorted(f for f in fields if f"admin.imports.column.{f}" not in strings) == [], lang
