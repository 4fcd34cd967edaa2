"""The IVR menu as configuration: nodes, DTMF choices, timeouts, retries, actions and prompt texts.

A menu file (TOML, see default_menu.toml) has three parts:

    [menu]                      # session-wide settings
    start = "identify"          # first node
    fallback = "operator"       # a `transfer` node used when a service fails or the caller loops
    account_node = "ask-account"  # where nodes that need an account send an unidentified caller
    language = "ru"             # default prompt language
    timeout_ms = 5000           # default GetDigits timeout
    retries = 2                 # default extra attempts after the first one
    max_steps = 40              # nodes visited before the caller is handed to an operator
    invalid_prompt = "invalid-input"
    timeout_prompt = "no-input"

    [nodes.<id>]                # one table per node; `action` says what it does
    action = "menu"             # menu | play | identify_by_number | ask_account | say_balance |
                                # say_last_payment | submit_meter_reading | application_status |
                                # callback_request | file_application | transfer | hangup
    ...                         # the keys of that action (ACTIONS below)

    [prompts.ru]                # prompt name -> text (what the simulator "plays"; real Asterisk
    main-menu = "…"             # plays the sound file of the same name)

Every problem is a MenuError naming the file and the node: unknown action or key, a reference to a
node that does not exist, a prompt without text in some language, a DTMF key that is not one digit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.book import Book, load_book, read_book

from .errors import MenuError

DEFAULT_FILE = "default_menu.toml"

DTMF_KEYS = frozenset("0123456789*#")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_PROMPT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/-]{0,79}$")  # a sound file name, no spaces
APPLICATION_STATUSES = ("new", "in_progress", "waiting_customer", "resolved", "rejected")
NUMBER_PROMPT = "application-number-is"  # said before the number of an application the IVR filed


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """Which keys a node of this action must / may have, and which fixed prompts it plays."""

    required: frozenset[str]
    optional: frozenset[str] = frozenset()
    prompts: tuple[str, ...] = ()
    needs_account: bool = False


_ASK = frozenset({"timeout_ms", "retries", "fail"})
ACTIONS: Mapping[str, ActionSpec] = {
    "menu": ActionSpec(frozenset({"prompt", "choices"}), _ASK),
    "play": ActionSpec(frozenset({"prompt", "next"})),
    "identify_by_number": ActionSpec(frozenset({"next", "not_found"}), frozenset({"several"})),
    "ask_account": ActionSpec(
        frozenset({"prompt", "next"}), _ASK | {"min_digits", "max_digits"}, ("account-not-found",)
    ),
    "say_balance": ActionSpec(
        frozenset({"next"}),
        frozenset({"no_account"}),
        ("balance-is", "debt-is", "no-debt", "rubles", "kopecks", "minus"),
        needs_account=True,
    ),
    "say_last_payment": ActionSpec(
        frozenset({"next"}),
        frozenset({"no_account"}),
        ("last-payment-is", "paid-on", "no-payments", "rubles", "kopecks"),
        needs_account=True,
    ),
    "submit_meter_reading": ActionSpec(
        frozenset({"prompt", "next"}),
        _ASK | {"no_account", "meter", "max_increase", "max_digits"},
        (
            "last-reading-is",
            "reading-lower",
            "reading-too-high",
            "you-entered",
            "confirm-reading",
            "reading-accepted",
            "reading-cancelled",
        ),
        needs_account=True,
    ),
    "application_status": ActionSpec(
        frozenset({"prompt", "next"}),
        _ASK | {"max_digits"},
        (
            "application-not-found",
            "application-status-is",
            "due-date",
            "status-unknown",
            *(f"status-{s}" for s in APPLICATION_STATUSES),
        ),
    ),
    "callback_request": ActionSpec(
        frozenset({"next"}),
        _ASK | {"topic", "prompt", "application_type"},
        ("enter-phone", "invalid-phone", "callback-registered"),
    ),
    "file_application": ActionSpec(
        frozenset({"application_type", "next"}),
        frozenset({"no_account", "topic", "prompt"}),
        ("application-filed", "application-number-is"),
        needs_account=True,
    ),
    "transfer": ActionSpec(frozenset(), frozenset({"choice", "prompt"}), ("transferring",)),
    "hangup": ActionSpec(frozenset(), frozenset({"prompt"}), ("goodbye",)),
}
_COMMON = frozenset({"action", "title"})
_NODE_REFS = ("next", "fail", "not_found", "several", "no_account")
_MENU_KEYS = frozenset(
    {
        "start",
        "fallback",
        "account_node",
        "language",
        "timeout_ms",
        "retries",
        "max_steps",
        "invalid_prompt",
        "timeout_prompt",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    id: str
    action: str
    title: str = ""
    prompt: str | None = None
    next: str | None = None
    fail: str | None = None  # retries exhausted (defaults to the menu's fallback)
    not_found: str | None = None
    several: str | None = None
    no_account: str | None = None
    choices: Mapping[str, str] = field(default_factory=dict)
    timeout_ms: int = 5000
    retries: int = 2
    min_digits: int = 1
    max_digits: int = 1
    meter: str = "electricity"
    max_increase: int = 10_000
    choice: str = ""  # transfer: the IVR choice routing sees
    topic: str = ""  # callback: what the operator is to call back about
    # file_application (and optionally callback_request): the type of the application filed, whose number
    # the caller then hears; a type of the routing rules' [application_types]
    application_type: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Menu:
    start: str
    fallback: str
    language: str
    max_steps: int
    invalid_prompt: str
    timeout_prompt: str
    nodes: Mapping[str, Node]
    prompts: Mapping[str, Mapping[str, str]]  # language -> name -> text

    def prompt_text(self, name: str, language: str | None = None) -> str:
        """The text of a prompt (for the simulator and logs); falls back to the default language."""
        table = self.prompts.get(language or self.language) or self.prompts[self.language]
        return table.get(name) or self.prompts[self.language].get(name, name)

    def languages(self) -> tuple[str, ...]:
        return tuple(self.prompts)


def load_menu(path: str | Path | None = None) -> Menu:
    """Read and validate a menu file (the shipped default_menu.toml when `path` is None); every problem is a
    MenuError naming the file, the node and its line."""
    book = load_book(path, package="ivr", default=DEFAULT_FILE, error=MenuError)
    return _Loader(book.source, book).load(book.data)


def menu_from_text(text: str, source: str) -> Menu:
    """Validate a menu file's text (an upload in the admin console); errors name `source` and the line."""
    book = read_book(text, source, MenuError)
    return _Loader(book.source, book).load(book.data)


def default_menu() -> Menu:
    """The menu shipped with ccdesk (ivr/default_menu.toml)."""
    return load_menu(None)


def parse_menu(data: Mapping[str, Any], *, source: str = "") -> Menu:
    return _Loader(source).load(data)


class _Loader:
    def __init__(self, source: str, book: Book | None = None) -> None:
        self.source = source
        self.book = book  # the text, when there is one: errors then name the node's line

    def fail(self, message: str, node: str | None = None) -> MenuError:
        source = self.source
        if self.book is not None and node is not None:
            source = self.book.at(self.book.line_of_table(f"nodes.{node}"))
        return MenuError(message, source=source, node=node)

    def load(self, data: Mapping[str, Any]) -> Menu:
        extra = sorted(set(data) - {"menu", "nodes", "prompts"})
        if extra:
            raise self.fail(f"unknown top-level key(s) {extra}; known: menu, nodes, prompts")
        settings = data.get("menu")
        if not isinstance(settings, Mapping):
            raise self.fail("[menu] is required")
        extra = sorted(set(settings) - _MENU_KEYS)
        if extra:
            raise self.fail(f"[menu] unknown key(s) {extra}; known: {sorted(_MENU_KEYS)}")
        timeout_ms = self.integer(settings, "timeout_ms", 5000, 500, 60_000, None)
        retries = self.integer(settings, "retries", 2, 0, 9, None)
        raw_nodes = data.get("nodes")
        if not isinstance(raw_nodes, Mapping) or not raw_nodes:
            raise self.fail("[nodes] must hold at least one node")
        account_node = settings.get("account_node")
        nodes = {
            node_id: self.node(node_id, raw, timeout_ms, retries, account_node) for node_id, raw in raw_nodes.items()
        }
        start = self.ref(settings.get("start"), nodes, "[menu] start")
        fallback = self.ref(settings.get("fallback"), nodes, "[menu] fallback")
        if nodes[fallback].action != "transfer":
            raise self.fail(f"[menu] fallback {fallback!r} must be a transfer node")
        if account_node is not None:
            self.ref(account_node, nodes, "[menu] account_node")
        for node in nodes.values():
            for key in _NODE_REFS:
                target = getattr(node, key)
                if target is not None:
                    self.ref(target, nodes, f"'{key}'", node.id)
            for digit, target in node.choices.items():
                self.ref(target, nodes, f"choice {digit!r}", node.id)
            if ACTIONS[node.action].needs_account and node.no_account is None:
                raise self.fail("needs an account: set 'no_account' or [menu] account_node", node.id)
        menu = Menu(
            start=start,
            fallback=fallback,
            language=settings.get("language", "ru"),
            max_steps=self.integer(settings, "max_steps", 40, 5, 500, None),
            invalid_prompt=settings.get("invalid_prompt", "invalid-input"),
            timeout_prompt=settings.get("timeout_prompt", "no-input"),
            nodes=nodes,
            prompts=self.prompts(data.get("prompts")),
        )
        self.check_prompts(menu)
        return menu

    def ref(self, target: Any, nodes: Mapping[str, Node], what: str, node: str | None = None) -> str:
        if not isinstance(target, str) or target not in nodes:
            raise self.fail(f"{what} goes to unknown node {target!r}", node)
        return target

    def integer(self, raw: Mapping[str, Any], key: str, default: int, low: int, high: int, node: str | None) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"'{key}' must be an integer {low}..{high}, got {value!r}", node)
        return value

    def text(self, raw: Mapping[str, Any], key: str, node: str) -> str | None:
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise self.fail(f"'{key}' must be a non-empty string", node)
        return value

    def node(self, node_id: str, raw: Any, timeout_ms: int, retries: int, account_node: Any) -> Node:
        if not _ID.match(node_id):
            raise self.fail("node ids are [a-z0-9_-], starting with a letter or digit", node_id)
        if not isinstance(raw, Mapping):
            raise self.fail("must be a table", node_id)
        action = raw.get("action")
        spec = ACTIONS.get(action) if isinstance(action, str) else None
        if spec is None:
            raise self.fail(f"unknown action {action!r}; known: {sorted(ACTIONS)}", node_id)
        missing = sorted(spec.required - set(raw))
        if missing:
            raise self.fail(f"action {action!r} needs {missing}", node_id)
        extra = sorted(set(raw) - spec.required - spec.optional - _COMMON)
        if extra:
            raise self.fail(f"unknown key(s) {extra} for action {action!r}", node_id)
        prompt = self.text(raw, "prompt", node_id)
        if prompt is not None and not _PROMPT.match(prompt):
            raise self.fail(f"prompt {prompt!r} is not a sound file name", node_id)
        fields: dict[str, Any] = {
            "id": node_id,
            "action": action,
            "title": str(raw.get("title", "")),
            "prompt": prompt,
            "timeout_ms": self.integer(raw, "timeout_ms", timeout_ms, 500, 60_000, node_id),
            "retries": self.integer(raw, "retries", retries, 0, 9, node_id),
        }
        for key in _NODE_REFS:
            fields[key] = self.text(raw, key, node_id)
        if spec.needs_account and fields["no_account"] is None and isinstance(account_node, str):
            fields["no_account"] = account_node
        if action == "menu":
            fields["choices"] = self.choices(raw["choices"], node_id)
        if action == "ask_account":
            fields["min_digits"] = self.integer(raw, "min_digits", 4, 1, 20, node_id)
            fields["max_digits"] = self.integer(raw, "max_digits", 12, fields["min_digits"], 20, node_id)
        if action == "submit_meter_reading":
            fields["max_digits"] = self.integer(raw, "max_digits", 8, 1, 12, node_id)
            fields["max_increase"] = self.integer(raw, "max_increase", 10_000, 1, 10**9, node_id)
            fields["meter"] = self.text(raw, "meter", node_id) or "electricity"
        if action == "application_status":
            fields["max_digits"] = self.integer(raw, "max_digits", 10, 1, 20, node_id)
        if action == "transfer":
            fields["choice"] = self.text(raw, "choice", node_id) or node_id
        if action == "callback_request":
            fields["topic"] = self.text(raw, "topic", node_id) or "callback"
        if action in ("callback_request", "file_application"):
            fields["application_type"] = self.text(raw, "application_type", node_id) or ""
        if action == "file_application":
            fields["topic"] = self.text(raw, "topic", node_id) or fields["application_type"]
        return Node(**fields)

    def choices(self, raw: Any, node_id: str) -> dict[str, str]:
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail("'choices' must be a table of digit = node", node_id)
        for digit in raw:
            if digit not in DTMF_KEYS:
                raise self.fail(f"choice key {digit!r} is not one DTMF key (0-9, *, #)", node_id)
        return dict(raw)

    def prompts(self, raw: Any) -> dict[str, dict[str, str]]:
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail("[prompts.<language>] tables are required (prompt name = text)")
        out: dict[str, dict[str, str]] = {}
        for language, table in raw.items():
            if not isinstance(table, Mapping) or not all(isinstance(v, str) and v for v in table.values()):
                raise self.fail(f"[prompts.{language}] must map prompt names to non-empty text")
            out[language] = dict(table)
        return out

    def check_prompts(self, menu: Menu) -> None:
        if menu.language not in menu.prompts:
            raise self.fail(f"no [prompts.{menu.language}] table for the default language")
        for language, table in menu.prompts.items():
            for name in (menu.invalid_prompt, menu.timeout_prompt):
                if name not in table:
                    raise self.fail(f"prompt {name!r} has no text in [prompts.{language}]")
            for node in menu.nodes.values():
                needed = list(ACTIONS[node.action].prompts)
                if node.prompt is not None:
                    needed.append(node.prompt)
                if node.application_type:
                    needed.append(NUMBER_PROMPT)
                for name in needed:
                    if name not in table:
                        raise self.fail(f"prompt {name!r} has no text in [prompts.{language}]", node.id)
