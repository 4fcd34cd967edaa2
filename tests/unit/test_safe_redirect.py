"""After login, `next` leads only to a path of this site."""

from __future__ import annotations

import pytest

from web.auth import safe_next


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("/", "/"),
        ("/customers/12", "/customers/12"),
        ("/customers/12?tab=history#calls", "/customers/12?tab=history#calls"),
        ("/search?q=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2", "/search?q=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2"),
        ("//evil.example", "/"),
        ("/\t/evil.example", "/"),  # browsers drop the tab: //evil.example
        ("/\r/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),  # a backslash is a slash to browsers
        ("\\\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example", "/"),
        ("/ /evil.example", "/"),
        ("/\u3000/evil.example", "/"),
        ("/\x00", "/"),
        ("", "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_only_same_site_paths_are_accepted(value: str, target: str) -> None:
    assert safe_next(value) == target
