"""An uploaded import's file name names a file on disk and the error report: reduced to a harmless base name."""

from __future__ import annotations

import pytest

from web.admin_imports import safe_name


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("клиенты.csv", "клиенты.csv"),
        ("%D0%BA%D0%BB.csv", "кл.csv"),  # percent-encoded by the client
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\admin\\долги 2026.xlsx", "долги_2026.xlsx"),
        ('a";b<c>.csv', "a_b_c_.csv"),
        ("...", "upload.csv"),
        ("", "upload.csv"),
    ],
)
def test_the_uploaded_name_is_reduced_to_a_harmless_base_name(sent: str, kept: str) -> None:
    assert safe_name(sent) == kept
