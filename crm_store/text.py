"""Search keys: what names and addresses are compared by, so case, ё/е and spacing never hide a match."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[.,;:№#\"'()]+")


def search_key(text: str | None) -> str:
    if not text:
        return ""
    key = text.lower().replace("ё", "е")
    key = _PUNCT.sub(" ", key)
    return _SPACES.sub(" ", key).strip()


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (an index range scan)."""
    return prefix + "\U0010ffff"
