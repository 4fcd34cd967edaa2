"""Talk scripts: what the operator says, per call topic — greeting, identification, the topic's steps,
closing. Kept as data in scripts.toml, read and checked once at start (`load_scripts`).

The file has common sections every script starts and ends with, and one table per topic (every topic of
crm_store.demo_names.TOPICS, plus "general" for a call whose topic is not chosen yet); a topic may
override a common section. Lines may hold {operator}, {customer} (filled per call by `Script.render`)
and {company} (filled at load). Anything else — an unknown topic, key or placeholder, a missing topic,
an empty line — is a ScriptError naming the topic and its line in the file.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from crm_store.demo_names import TOPICS
from routing.book import load_book

DEFAULT_FILE = "scripts.toml"
GENERAL = "general"
SECTIONS = ("greeting", "identification", "steps", "closing")
COMMON_SECTIONS = ("greeting", "identification", "closing")
PER_CALL = frozenset({"operator", "customer"})
_TOP_KEYS = frozenset({"company", "section_titles", "common", "topics"})
_TOPIC_KEYS = frozenset({"title", *SECTIONS})


class ScriptError(Exception):
    """The scripts file cannot be used; the message names the topic and its line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    name: str  # greeting | identification | steps | closing
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Script:
    topic: str
    title: str
    sections: tuple[Section, ...]

    def render(self, **values: str) -> Script:
        """The script with {operator} and {customer} filled; a value not given stays a visible {slot}."""

        class Keep(dict[str, str]):
            def __missing__(self, key: str) -> str:
                return "{" + key + "}"

        filled = Keep(values)
        return Script(
            topic=self.topic,
            title=self.title,
            sections=tuple(
                Section(name=s.name, title=s.title, lines=tuple(line.format_map(filled) for line in s.lines))
                for s in self.sections
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "title": self.title,
            "sections": [{"name": s.name, "title": s.title, "lines": list(s.lines)} for s in self.sections],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptBook:
    scripts: Mapping[str, Script]

    def script_for(self, topic: str | None) -> Script:
        """The topic's script; the general one while no topic is chosen or for a topic without one."""
        return self.scripts.get(topic or GENERAL) or self.scripts[GENERAL]

    def topics(self) -> tuple[tuple[str, str], ...]:
        """(topic, title) for the call card's topic list, in file order, "general" excluded."""
        return tuple((t, s.title) for t, s in self.scripts.items() if t != GENERAL)


class _Parser:
    def __init__(self, source: str, text: str | None) -> None:
        self.source = source
        self.lines = text.splitlines() if text else []
        self.company = ""

    def line_of(self, topic: str | None) -> str:
        header = re.compile(rf"^\s*\[\s*topics\.{re.escape(topic)}\s*\]" if topic else r"^\s*\[\s*common\s*\]")
        for number, line in enumerate(self.lines, 1):
            if header.match(line):
                return f":{number}"
        return ""

    def fail(self, message: str, topic: str | None = None, *, common: bool = False) -> ScriptError:
        if topic is not None:
            return ScriptError(f"{self.source}{self.line_of(topic)}: topic {topic!r}: {message}")
        if common:
            return ScriptError(f"{self.source}{self.line_of(None)}: [common]: {message}")
        return ScriptError(f"{self.source}: {message}")

    def text_lines(self, value: Any, where: str, fail: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise fail(f"'{where}' must be a non-empty list of lines")
        out = []
        for i, line in enumerate(items):
            if not isinstance(line, str) or not line.strip():
                raise fail(f"'{where}[{i}]' must be a non-empty string")
            try:
                names = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(line) if f is not None]
            except ValueError as e:
                raise fail(f"'{where}[{i}]': {e} (write {{{{ and }}}} for literal braces)") from None
            for name, spec, conv in names:
                if name not in PER_CALL | {"company"}:
                    raise fail(
                        f"'{where}[{i}]': unknown placeholder {{{name}}}; use {{operator}}, {{customer}}, {{company}}"
                    )
                if spec or conv:
                    raise fail(f"'{where}[{i}]': placeholders take no format spec or conversion")
            # {company} is known now; the per-call slots stay for render().
            out.append(line.strip().replace("{company}", self.company))
        return tuple(out)

    def book(self, data: Mapping[str, Any]) -> ScriptBook:
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise self.fail(f"unknown key(s) {unknown}; known: {sorted(_TOP_KEYS)}")
        company = data.get("company")
        if not isinstance(company, str) or not company.strip() or "{" in company or "}" in company:
            raise self.fail("'company' must be the company's name")
        self.company = company.strip()
        titles = data.get("section_titles")
        if (
            not isinstance(titles, Mapping)
            or set(titles) != set(SECTIONS)
            or not all(isinstance(v, str) and v.strip() for v in titles.values())
        ):
            raise self.fail(f"[section_titles] must give a title to each of {list(SECTIONS)}")
        common_raw = data.get("common")
        if not isinstance(common_raw, Mapping):
            raise self.fail("[common] is missing")

        def common_fail(message: str) -> ScriptError:
            return self.fail(message, common=True)

        unknown = sorted(set(common_raw) - set(COMMON_SECTIONS))
        if unknown:
            raise common_fail(f"unknown key(s) {unknown}; known: {list(COMMON_SECTIONS)}")
        common = {name: self.text_lines(common_raw.get(name), name, common_fail) for name in COMMON_SECTIONS}
        topics_raw = data.get("topics")
        if not isinstance(topics_raw, Mapping):
            raise self.fail("[topics.<topic>] tables are missing")
        known = (GENERAL, *TOPICS)
        scripts: dict[str, Script] = {}
        for topic, raw in topics_raw.items():
            if topic not in known:
                raise self.fail(f"unknown topic; known: {', '.join(known)}", topic)
            scripts[topic] = self.script(topic, raw, common, titles)
        missing = [t for t in known if t not in scripts]
        if missing:
            raise self.fail(f"no script for topic(s) {missing}: every call topic needs one")
        return ScriptBook(scripts=scripts)

    def script(self, topic: str, raw: Any, common: Mapping[str, tuple[str, ...]], titles: Mapping[str, str]) -> Script:
        def fail(message: str) -> ScriptError:
            return self.fail(message, topic)

        if not isinstance(raw, Mapping):
            raise fail("must be a table")
        unknown = sorted(set(raw) - _TOPIC_KEYS)
        if unknown:
            raise fail(f"unknown key(s) {unknown}; known: {sorted(_TOPIC_KEYS)}")
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise fail("'title' must be a non-empty string")
        if "steps" not in raw:
            raise fail("'steps' is missing")
        sections = []
        for name in SECTIONS:
            lines = self.text_lines(raw[name], name, fail) if name in raw else common[name]
            sections.append(Section(name=name, title=titles[name].strip(), lines=lines))
        return Script(topic=topic, title=title.strip(), sections=tuple(sections))


def parse_scripts(data: Mapping[str, Any], *, source: str = "<scripts>", text: str | None = None) -> ScriptBook:
    return _Parser(source, text).book(data)


def load_scripts(path: str | Path | None = None) -> ScriptBook:
    """Read and validate a scripts file; the packaged scripts.toml by default."""
    book = load_book(path, package="workstation", default=DEFAULT_FILE, error=ScriptError)
    return parse_scripts(book.data, source=book.source, text=book.text)


@cache
def default_scripts() -> ScriptBook:
    return load_scripts()


def script_for(topic: str | None) -> Script:
    """The packaged script for `topic` (see ScriptBook.script_for)."""
    return default_scripts().script_for(topic)


__all__ = [
    "GENERAL",
    "SECTIONS",
    "Script",
    "ScriptBook",
    "ScriptError",
    "Section",
    "default_scripts",
    "load_scripts",
    "parse_scripts",
    "script_for",
]
