"""A broken menu file is refused at load with a message naming the node."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ivr.errors import MenuError
from ivr.menu import default_menu, load_menu, parse_menu

DEFAULT: dict[str, Any] = tomllib.loads(
    resources.files("ivr").joinpath("default_menu.toml").read_text(encoding="utf-8")
)


def changed(path: str, value: Any) -> dict[str, Any]:
    """The default menu with one key replaced (`nodes.main.prompt`); value None deletes it."""
    data = copy.deepcopy(DEFAULT)
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            changed("nodes.main.choices", {"1": "balanse"}),
            "node 'main': choice '1' goes to unknown node 'balanse'",
        ),
        (
            changed("nodes.main.choices", {"12": "balance"}),
            "node 'main': choice key '12' is not one DTMF key",
        ),
        (changed("nodes.main.choices", {}), "node 'main': 'choices' must be a table"),
        (changed("nodes.balance.next", "nowhere"), "node 'balance': 'next' goes to unknown node"),
        (
            changed("nodes.main.prompt", "no-such-prompt"),
            "node 'main': prompt 'no-such-prompt' has no text in [prompts.ru]",
        ),
        (changed("nodes.main.prompt", "two words"), "node 'main': prompt 'two words' is not"),
        (changed("nodes.main.prompt", None), "node 'main': action 'menu' needs ['prompt']"),
        (
            changed("prompts.ru.balance-is", None),
            "node 'balance': prompt 'balance-is' has no text in [prompts.ru]",
        ),
        (changed("prompts.en", {"welcome": "Hello"}), "has no text in [prompts.en]"),
        (changed("nodes.main.action", "dance"), "node 'main': unknown action 'dance'"),
        (changed("nodes.main.colour", "red"), "node 'main': unknown key(s) ['colour']"),
        (changed("nodes.main.timeout_ms", 10), "node 'main': 'timeout_ms' must be an integer"),
        (changed("nodes.main.retries", -1), "node 'main': 'retries' must be an integer"),
        (changed("nodes.meter.max_increase", 0), "node 'meter': 'max_increase' must be"),
        (changed("nodes.Main", {"action": "hangup"}), "node 'Main': node ids are"),
        (changed("menu.start", "begin"), "[menu] start goes to unknown node 'begin'"),
        (changed("menu.fallback", "goodbye"), "[menu] fallback 'goodbye' must be a transfer node"),
        (changed("menu.account_node", None), "node 'balance': needs an account"),
        (changed("menu.language", "de"), "no [prompts.de] table"),
        (changed("menu.colour", 1), "[menu] unknown key(s) ['colour']"),
        (changed("prompts", {}), "[prompts.<language>] tables are required"),
    ],
)
def test_broken_menu_is_rejected_naming_the_node(data: dict[str, Any], message: str) -> None:
    with pytest.raises(MenuError) as raised:
        parse_menu(data, source="menu.toml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("menu.toml: ")


def test_default_menu_loads_with_defaults_applied() -> None:
    menu = default_menu()
    assert menu.start == "welcome" and menu.fallback == "operator"
    assert menu.nodes["balance"].no_account == "ask-account"  # from [menu] account_node
    assert menu.nodes["main"].timeout_ms == 5000 and menu.nodes["main"].retries == 2
    assert menu.nodes["operator-billing"].choice == "billing"
    assert menu.prompt_text("welcome").startswith("Здравствуйте")
    assert menu.prompt_text("welcome", "en") == menu.prompt_text("welcome")  # falls back


def test_menu_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "menu.toml"
    path.write_text("[menu\n", encoding="utf-8")
    with pytest.raises(MenuError, match=r"menu.toml:1: not valid TOML"):
        load_menu(path)
    with pytest.raises(MenuError, match="cannot read"):
        load_menu(tmp_path / "missing.toml")
