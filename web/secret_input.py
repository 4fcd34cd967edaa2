"""Secrets for the command line without putting them on it (where `ps` and the shell history show them):
read from a file (`-` is standard input), an environment variable, or a prompt, in that order."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Mapping
from pathlib import Path


class SecretMissing(ValueError):
    pass


def read_secret(
    *,
    what: str,
    file: Path | None,
    env_name: str,
    environ: Mapping[str, str],
    confirm: bool = False,
    prompt: Callable[[str], str] = getpass.getpass,
    interactive: bool | None = None,
) -> str:
    """The secret from `file`, else `environ[env_name]`, else typed at a prompt (twice when `confirm`)."""
    if file is not None:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        return text.rstrip("\r\n")
    if environ.get(env_name):
        return environ[env_name]
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        raise SecretMissing(f"no {what}: give a file (… -file PATH, '-' for standard input) or set {env_name}")
    value = prompt(f"{what}: ")
    if confirm and value != prompt("again: "):
        raise SecretMissing(f"the {what}s differ")
    return value
