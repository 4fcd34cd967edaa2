"""Search keys: what names and addresses are compared by, so case, ё/е and spacing never hide a match."""

from __future__ import annotations

_PUNCTUATION = ".,;:№#\"'()"


def search_key(text: str | None) -> str:
    """Lower case, ё as е, each punctuation mark a space, runs of whitespace (regex \\s) one space.

    Written with str.replace and str.split rather than regexes or str.translate: an import computes two
    keys a row, and this form takes half their time (the result is the same, tests/store/test_text.py).
    """
    if not text:
        return ""
    key = text.lower().replace("ё", "е")
    for mark in _PUNCTUATION:
        if mark in key:
            key = key.replace(mark, " ")
    return " ".join(key.split())


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (an index range scan)."""
    return prefix + "\U0010ffff"
