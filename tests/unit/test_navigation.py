"""The navigation table: each role sees its pages in order, the current one marked, pages the app does not
serve left out, and every label translated."""

from __future__ import annotations

import json
from pathlib import Path

from crm_store.vocabulary import Role
from web.navigation import PAGES, links

I18N = Path(__file__).resolve().parents[2] / "web" / "static" / "i18n"
ALL = {p.path for p in PAGES}


def test_each_role_sees_only_its_pages_in_the_bars_order() -> None:
    assert [x.path for x in links("operator", "/", ALL)] == ["/"]
    assert [x.path for x in links("department", "/work", ALL)] == ["/work"]
    supervisor = ["/", "/wallboard", "/supervisor", "/reports", "/campaigns", "/work", "/mail"]
    assert [x.path for x in links("supervisor", "/", ALL)] == supervisor
    assert [x.path for x in links("admin", "/", ALL)] == [*supervisor, "/admin"]
    assert links("nobody", "/", ALL) == []


def test_the_current_page_is_marked_and_pages_not_served_are_left_out() -> None:
    bar = links("supervisor", "/reports", ALL - {"/campaigns"})
    assert [x.path for x in bar if x.current] == ["/reports"]
    assert "/campaigns" not in [x.path for x in bar]


def test_every_role_has_a_page_and_every_label_is_translated() -> None:
    assert all(links(role.value, "", ALL) for role in Role)
    for lang in ("ru", "en"):
        labels = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
        assert "nav.label" in labels
        assert all(labels.get(p.label) for p in PAGES), lang
