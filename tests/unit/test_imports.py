"""Dependency direction (DESIGN.md): every top-level package imports only the packages below it.

    web/ → workstation/ → dialer/ → ivr/ → routing/, cti/, crm_store/

`cti/` and `crm_store/` import nothing from the project, `routing/` is pure (no I/O), `ivr/` reaches down
to routing/ and crm_store/ only, and only web/ (the composition root) knows every package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("web", "workstation", "dialer", "ivr", "routing", "cti", "crm_store")
ALLOWED: dict[str, frozenset[str]] = {
    "crm_store": frozenset(),
    "cti": frozenset(),
    "routing": frozenset(),
    "ivr": frozenset({"routing", "crm_store"}),
    "dialer": frozenset({"ivr", "routing", "cti", "crm_store"}),
    "workstation": frozenset({"dialer", "ivr", "routing", "cti", "crm_store"}),
    "web": frozenset({"workstation", "dialer", "ivr", "routing", "cti", "crm_store"}),
}
# Third-party code a package must not reach for, whatever the project imports say.
FORBIDDEN_LIBRARIES: dict[str, frozenset[str]] = {
    "cti": frozenset({"aiohttp", "sqlalchemy", "socketio"}),  # the Asterisk edge knows no web and no store
    "routing": frozenset({"asyncio", "socket", "sqlalchemy", "aiohttp", "panoramisk", "time", "random"}),
    "crm_store": frozenset({"aiohttp", "socketio", "panoramisk"}),
}


def imports_of(path: Path) -> set[str]:
    """Top-level names of every absolute import in the file, function-level ones included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def modules() -> list[object]:
    return [
        pytest.param(package, path, id=str(path.relative_to(ROOT)))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def test_every_package_is_covered() -> None:
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert on_disk == set(PACKAGES), "a new top-level package needs its place in ALLOWED"


@pytest.mark.parametrize(("package", "path"), modules())
def test_module_imports_only_packages_below_its_own(package: str, path: Path) -> None:
    names = imports_of(path)
    upward = (names & set(PACKAGES)) - ALLOWED[package] - {package}
    assert not upward, (
        f"{path.relative_to(ROOT)} imports {sorted(upward)}; {package}/ may use {sorted(ALLOWED[package])}"
    )
    libraries = names & FORBIDDEN_LIBRARIES.get(package, frozenset())
    assert not libraries, f"{path.relative_to(ROOT)} imports {sorted(libraries)}"


def test_only_the_ivr_store_backend_touches_the_database() -> None:
    users = {p.name for p in (ROOT / "ivr").rglob("*.py") if imports_of(p) & {"crm_store", "sqlalchemy"}}
    assert users <= {"store_backend.py", "flow.py", "actions.py"}  # the last two: phones (pure)
