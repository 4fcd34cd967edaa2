"""A throwaway IMAP mailbox for the mail tests: Debian's dovecot on loopback, one server a session, started by
`scripts/imap-test-server` (which installs dovecot-imapd when it can). Where that fails the IMAP tests skip,
saying why; under CI they fail instead, so a pipeline can never go green without having run them."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "imap-test-server"
START_TIMEOUT_S = 150  # covers an apt-get install on a fresh machine


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"dovecot is required under CI: {reason}", pytrace=False)
    pytest.skip(f"IMAP test server (dovecot) not available: {reason}")


def session_mailbox() -> Iterator[str]:
    """imap://USER:PASSWORD@127.0.0.1:PORT/INBOX of a fresh dovecot, deleted after the session."""
    directory = tempfile.mkdtemp(prefix="ccdesk-imap-")
    os.rmdir(directory)  # the script wants an empty or missing directory and marks it as its own
    try:
        done = subprocess.run(
            [str(SCRIPT), "start", directory],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _remove(directory)
        unavailable(f"{SCRIPT.name} start took over {START_TIMEOUT_S} s")
    if done.returncode != 0:
        _remove(directory)
        lines = done.stderr.strip().splitlines()
        why = lines[-1].removeprefix("imap-test-server: ") if lines else f"exit status {done.returncode}"
        unavailable(f"{SCRIPT.name} start failed: {why}")
    try:
        yield done.stdout.strip().splitlines()[-1]
    finally:
        _remove(directory)


def _remove(directory: str) -> None:
    subprocess.run([str(SCRIPT), "stop", directory], capture_output=True, check=False)
    shutil.rmtree(directory, ignore_errors=True)
