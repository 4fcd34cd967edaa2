"""The `ccdesk` command as a user runs it: a real process, a real database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def ccdesk(tmp_path: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CCDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "CCDESK_VAR_DIR": str(tmp_path / "var"),
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_upgrade_demo_data_import_and_user_add(tmp_path: Path) -> None:
    assert ccdesk(tmp_path, "db", "upgrade").returncode == 0
    demo = ccdesk(tmp_path, "demo-data", "--customers", "50", "--if-empty")
    assert demo.returncode == 0, demo.stderr
    assert "generated 50 customers" in demo.stdout and "operator1" in demo.stdout
    again = ccdesk(tmp_path, "demo-data", "--customers", "50", "--if-empty")
    assert "already has customers" in again.stdout

    csv = tmp_path / "in.csv"
    csv.write_text("ФИО;Лицевой счёт;Телефон\nНовый Клиент;9000000001;9161239999\nПлохой;9000000002;12\n")
    imported = ccdesk(tmp_path, "import", "customers", str(csv), "--errors", str(tmp_path / "err.csv"))
    assert imported.returncode == 0, imported.stderr
    assert "1 inserted" in imported.stdout and "1 rejected" in imported.stdout
    assert "2 of ~2 rows (100.0 %)" in imported.stderr  # the progress line, as the admin console shows it
    assert "not a valid phone number" in (tmp_path / "err.csv").read_text(encoding="utf-8-sig")

    added = ccdesk(
        tmp_path,
        "user",
        "add",
        "olga",
        "--role",
        "operator",
        "--password",
        "long-enough-1",
        "--extension",
        "1010",
        "--queues",
        "support,billing",
    )
    assert added.returncode == 0 and "olga (operator) created" in added.stdout
    dup = ccdesk(tmp_path, "user", "add", "olga", "--role", "operator", "--password", "long-enough-1")
    assert dup.returncode == 2 and "already exists" in dup.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "add", "x", "--role", "operator", "--password", "short"), "at least 8 characters"),
        (("import", "customers", "/nonexistent.csv"), "does not exist"),
        (("serve", "--pbx", "ami://nohost"), "PBX must be"),
    ],
)
def test_bad_input_gets_a_clear_error_and_exit_code_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    ccdesk(tmp_path, "db", "upgrade")
    result = ccdesk(tmp_path, *args)
    assert result.returncode == 2 and message in result.stderr


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "CCDESK_PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", "db", "current"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "CCDESK_PORT='eighty'" in result.stderr


def test_passwords_come_from_a_file_or_the_environment_never_the_command_line(tmp_path: Path) -> None:
    ccdesk(tmp_path, "db", "upgrade")
    secret = tmp_path / "pw"
    secret.write_text("Ljubljana 1991 rain\n")
    by_file = ccdesk(tmp_path, "user", "add", "vera", "--role", "operator", "--password-file", str(secret))
    assert by_file.returncode == 0, by_file.stderr
    env = {
        **os.environ,
        "CCDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "CCDESK_VAR_DIR": str(tmp_path / "var"),
        "CCDESK_USER_PASSWORD": "qwerty123",
    }
    weak = subprocess.run(
        [sys.executable, "-m", "web.cli", "user", "add", "oleg", "--role", "operator"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert weak.returncode == 2 and "too common" in weak.stderr
    no_source = subprocess.run(
        [sys.executable, "-m", "web.cli", "user", "password", "vera"],
        capture_output=True,
        text=True,
        env={k: v for k, v in env.items() if k != "CCDESK_USER_PASSWORD"},
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert no_source.returncode == 2 and "CCDESK_USER_PASSWORD" in no_source.stderr


def test_an_admin_keeps_the_phone_registry(tmp_path: Path) -> None:
    ccdesk(tmp_path, "db", "upgrade")
    assert ccdesk(tmp_path, "demo-data", "--customers", "5").returncode == 0
    assert ccdesk(tmp_path, "phone", "add", "2001", "--label", "room 2, desk 1").returncode == 0
    assert ccdesk(tmp_path, "phone", "add", "2002", "--user", "operator1").returncode == 0
    listed = ccdesk(tmp_path, "phone", "list").stdout.splitlines()
    assert [line.split()[:2] for line in listed] == [
        ["1001", "operator1"],
        ["1002", "operator2"],
        ["1003", "operator3"],  # the demo operators' own phones
        ["2001", "(shared)"],
        ["2002", "operator1"],
    ]
    assert ccdesk(tmp_path, "phone", "remove", "2001").returncode == 0
    again = ccdesk(tmp_path, "phone", "remove", "2001")
    assert again.returncode == 2 and "not registered" in again.stderr


def test_serve_on_a_database_never_migrated_says_what_to_run(tmp_path: Path) -> None:
    from tests.serving import free_port

    result = ccdesk(tmp_path, "serve", CCDESK_PORT=str(free_port()), CCDESK_AGI_PORT=str(free_port()))
    assert result.returncode == 2, result.stderr
    assert "ccdesk db upgrade" in result.stderr
    assert "Traceback" not in result.stderr and "no such table" not in result.stderr
