"""An uploaded book is checked by its own loader before it may replace the one in force: every kind's error
names the uploaded file and the line (web/admin_books.py)."""

from __future__ import annotations

from importlib import resources

import pytest

from web.admin_books import KINDS, BookRejected, parse, safe_source


def _shipped(kind: str) -> str:
    spec = KINDS[kind]
    return resources.files(spec.package).joinpath(spec.default).read_text(encoding="utf-8")


def _line_of(text: str, fragment: str) -> int:
    return 1 + text[: text.index(fragment)].count("\n")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_shipped_books_load_as_uploads(kind: str) -> None:
    assert parse(kind, _shipped(kind), f"{kind}.toml") is not None


@pytest.mark.parametrize(
    ("kind", "broken", "named_at"),
    [
        ("rules", ('queue = "vip"', 'queue = "nowhere"'), 'id = "vip"'),  # the rule's line
        ("menu", ("[nodes.identify]", "[nodes.identify]\nbogus_key = 1"), "[nodes.identify]"),  # the node's line
        ("offers", ("cooloff_days = 30", "cooloff_days = -30"), 'code = "payment_plan"'),  # the offer's line
        ("scripts", ('title = "Оплата"', "title = 42"), "[topics.payment]"),  # the topic's line
    ],
)
def test_a_broken_book_is_rejected_naming_the_file_and_line(kind: str, broken: tuple[str, str], named_at: str) -> None:
    text = _shipped(kind)
    assert broken[0] in text
    with pytest.raises(BookRejected) as caught:
        parse(kind, text.replace(*broken, 1), "new.toml")
    assert caught.value.code == "book_invalid"
    detail = str(caught.value.params["detail"])
    assert detail.startswith(f"new.toml:{_line_of(text, named_at)}"), detail


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_text_that_is_not_toml_names_its_line(kind: str) -> None:
    with pytest.raises(BookRejected) as caught:
        parse(kind, 'title = "ok"\n\nthis is not = = toml\n', "x.toml")
    assert "x.toml:3" in str(caught.value.params["detail"])


def test_an_unknown_book_is_not_found() -> None:
    with pytest.raises(BookRejected) as caught:
        parse("passwords", "", "x.toml")
    assert caught.value.code == "not_found"


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("rules.toml", "rules.toml"),
        ("C:\\Users\\admin\\rules v2.toml", "rules v2.toml"),
        ("../../etc/passwd", "passwd"),
        ('"<script>.toml', "script.toml"),
        ("", "upload.toml"),
    ],
)
def test_the_uploaded_name_is_reduced_to_a_harmless_base_name(name: str, source: str) -> None:
    assert safe_source(name) == source


_NO_DEPARTMENTS = """timezone = "Europe/Moscow"
[queues]
support = { title = "Общие вопросы" }
[default]
queue = "support"
priority = 0
reason = "Общий вопрос"
"""


def test_rules_without_the_departments_the_application_types_route_to_are_rejected() -> None:
    # rules with no [departments] at all load by themselves; every shipped type would lose its department
    with pytest.raises(BookRejected) as caught:
        parse("rules", _NO_DEPARTMENTS, "short.toml")
    detail = str(caught.value.params["detail"])
    assert detail.startswith("short.toml: [departments] lacks the department(s) application types route to: ")
    for department in ("dept_billing", "dept_debt", "dept_field", "dept_metering", "dept_quality"):
        assert repr(department) in detail
    assert "'dept_quality' (types complaint)" in detail
