"""One loader for ccdesk's TOML books (routing rules, IVR menu, offers, talk scripts).

Every book is read the same way: a file given in the settings, else the one shipped in its package; TOML
parsed by tomllib; and, because tomllib keeps no positions, the text kept beside the data so that a
validation error can name the line of the rule, node, offer or topic it is about. The caller passes its own
exception type, so each package keeps its error family (RuleSetError, MenuError, …).

Lives in routing/ (the lowest package the four share) and stays free of project imports and sockets.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

ErrorFactory = Callable[[str], Exception]  # message (already naming the file and line) -> the package's error
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True, slots=True)
class Book:
    source: str  # the file as the administrator named it (or the packaged file's name)
    text: str
    data: dict[str, Any]

    def line_of_key(self, key: str, value: str) -> int | None:
        """The first line `key = "value"` (how an [[array]] item names itself: id = "vip", code = "…")."""
        pattern = re.compile(rf"""^\s*{re.escape(key)}\s*=\s*["']{re.escape(value)}["']""")
        return self._first(pattern)

    def line_of_table(self, header: str) -> int | None:
        """The line of the `[header]` (or `[[header]]`) that opens a table."""
        name = r"\s*\.\s*".join(re.escape(part) for part in header.split("."))
        return self._first(re.compile(rf"^\s*\[\[?\s*{name}\s*\]\]?"))

    def line_of_item(self, array: str, index: int) -> int | None:
        """The line of the `index`-th (0-based) `[[array]]` header."""
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(array)}\s*\]\]")
        found = [n for n, line in enumerate(self.text.splitlines(), 1) if pattern.match(line)]
        return found[index] if 0 <= index < len(found) else None

    def at(self, line: int | None) -> str:
        """`source:line` (or just the source when the line is unknown), the prefix of every error."""
        return f"{self.source}:{line}" if line else self.source

    def _first(self, pattern: re.Pattern[str]) -> int | None:
        for number, line in enumerate(self.text.splitlines(), 1):
            if pattern.match(line):
                return number
        return None


def read_book(text: str, source: str, error: ErrorFactory) -> Book:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        where = f"{source}:{found.group(1)}" if found else source
        raise error(f"{where}: not valid TOML: {exc}") from None
    return Book(source=source, text=text, data=data)


def load_book(path: str | Path | None, *, package: str, default: str, error: ErrorFactory) -> Book:
    """The book at `path`, or the package's `default` file when `path` is None."""
    if path is None:
        text = resources.files(package).joinpath(default).read_text(encoding="utf-8")
        return read_book(text, default, error)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    return read_book(text, str(path), error)
