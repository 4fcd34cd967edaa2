"""cti/ imports nothing from the rest of the project (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CTI = Path(__file__).resolve().parents[2] / "cti"
PROJECT = {"web", "workstation", "dialer", "ivr", "routing", "crm_store"}


@pytest.mark.parametrize("path", sorted(CTI.rglob("*.py")), ids=lambda p: str(p.relative_to(CTI)))
def test_cti_module_imports_only_stdlib_and_panoramisk(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".", 1)[0]
            assert top not in PROJECT, f"{path.name} imports {name}"
            assert top not in ("aiohttp", "sqlalchemy", "socketio"), f"{path.name} imports {name}"
