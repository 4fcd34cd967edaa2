"""Cells ccdesk writes into CSV and Excel files are never run as formulas."""

from __future__ import annotations

import pytest

from crm_store.spreadsheet import neutralise, safe_cell, shorten


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Иванов", "Иванов"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+7 916 123-45-67", "'+7 916 123-45-67"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝1+1", "'＝1+1"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_evaluate_is_written_as_text(value: str, written: str) -> None:
    assert neutralise(value) == written


def test_numbers_stay_numbers_and_none_is_empty() -> None:
    assert (safe_cell(-5), safe_cell(1.5), safe_cell(None), safe_cell("-5")) == (-5, 1.5, "", "'-5")


def test_a_long_value_is_shortened_and_says_how_long_it_was() -> None:
    assert shorten("x" * 10) == "x" * 10
    assert shorten("x" * 1000) == "x" * 200 + "… (1000 characters)"
