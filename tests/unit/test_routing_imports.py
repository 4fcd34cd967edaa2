"""Dependency direction: routing/ is pure; ivr/ only reaches down to routing/ and crm_store/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = {"web", "workstation", "dialer", "ivr", "routing", "cti", "crm_store"}


def imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(path.name, alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add((path.name, node.module.split(".")[0]))
    return found


def test_routing_imports_nothing_from_the_project_and_does_no_io() -> None:
    io = {"asyncio", "socket", "sqlalchemy", "aiohttp", "panoramisk", "time", "os", "random"}
    bad = {(f, m) for f, m in imports("routing") if m in PROJECT - {"routing"} | io}
    assert bad == set()


@pytest.mark.parametrize("module", ["web", "workstation", "dialer", "cti"])
def test_ivr_does_not_reach_up_or_sideways(module: str) -> None:
    assert {f for f, m in imports("ivr") if m == module} == set()


def test_only_the_store_backend_touches_the_database() -> None:
    users = {f for f, m in imports("ivr") if m in ("crm_store", "sqlalchemy")}
    assert users <= {"store_backend.py", "flow.py", "actions.py"}  # the last two: phones (pure)
