"""The four TOML books (routing rules, IVR menu, offers, talk scripts) load the same way: the shipped file by
default, a configured one otherwise, and every error names the file and the line to fix."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ivr.errors import MenuError
from ivr.menu import load_menu
from routing import RuleSetError, load_rules
from workstation.offers import OfferRulesError, load_offers
from workstation.scripts import ScriptError, load_scripts

BOOKS: list[tuple[str, str, Callable[[Any], object], type[Exception]]] = [
    ("routing", "default_rules.toml", load_rules, RuleSetError),
    ("ivr", "default_menu.toml", load_menu, MenuError),
    ("workstation", "offers.toml", load_offers, OfferRulesError),
    ("workstation", "scripts.toml", load_scripts, ScriptError),
]
IDS = [b[1] for b in BOOKS]


def shipped(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("package", "name", "load", "error"), BOOKS, ids=IDS)
def test_the_shipped_book_loads_by_default_and_from_a_copy(
    tmp_path: Path, package: str, name: str, load: Callable[[Any], object], error: type[Exception]
) -> None:
    copy = tmp_path / name
    copy.write_text(shipped(package, name), encoding="utf-8")
    assert load(None) == load(copy)


@pytest.mark.parametrize(("package", "name", "load", "error"), BOOKS, ids=IDS)
def test_a_missing_file_is_a_clear_error_of_the_books_own_kind(
    tmp_path: Path, package: str, name: str, load: Callable[[Any], object], error: type[Exception]
) -> None:
    missing = tmp_path / "nowhere" / name
    with pytest.raises(error, match=rf"{name}: cannot read"):
        load(missing)


@pytest.mark.parametrize(("package", "name", "load", "error"), BOOKS, ids=IDS)
def test_broken_toml_names_the_file_and_the_line(
    tmp_path: Path, package: str, name: str, load: Callable[[Any], object], error: type[Exception]
) -> None:
    text = shipped(package, name)
    path = tmp_path / name
    path.write_text(text + "\n[unclosed\n", encoding="utf-8")
    line = len((text + "\n").splitlines()) + 1
    with pytest.raises(error, match=rf"{name}:{line}: not valid TOML"):
        load(path)


@pytest.mark.parametrize(
    ("package", "name", "load", "error", "anchor", "extra", "message"),
    [
        ("routing", "default_rules.toml", load_rules, RuleSetError, 'id = "vip"', 'colour = "red"', "rule 'vip'"),
        ("ivr", "default_menu.toml", load_menu, MenuError, "[nodes.identify]", 'colour = "red"', "node 'identify'"),
    ],
)
def test_a_bad_rule_or_node_names_its_line(
    tmp_path: Path,
    package: str,
    name: str,
    load: Callable[[Any], object],
    error: type[Exception],
    anchor: str,
    extra: str,
    message: str,
) -> None:
    text = shipped(package, name)
    assert anchor in text, "the shipped book has the entry this test breaks"
    broken = text.replace(anchor, f"{anchor}\n{extra}", 1)
    path = tmp_path / name
    path.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index(anchor) + 1
    with pytest.raises(error, match=rf"{name}:{line}: {message}"):
        load(path)
