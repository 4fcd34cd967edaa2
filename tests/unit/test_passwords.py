"""The password policy and the CLI's secrets, as tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.passwords import password_problem
from web.secret_input import SecretMissing, read_secret
from web.settings import ConfigError, Settings


@pytest.mark.parametrize(
    ("password", "username", "code"),
    [
        ("short", "", "password_too_short"),
        ("x" * 300, "", "password_too_long"),
        ("password", "", "password_common"),
        ("Password123!", "", "password_common"),
        ("qwerty123", "", "password_common"),
        ("1q2w3e4r5t", "", "password_common"),
        ("gfhjkm123", "", "password_common"),  # "пароль" typed on a Latin keyboard
        ("марина1990", "", "password_common"),
        ("marina1990", "", "password_common"),
        ("1234567890", "", "password_common"),
        ("0987654321", "", "password_common"),
        ("asdfghjkl;", "", "password_common"),
        ("aaaaaaaaaa", "", "password_common"),
        ("abababab", "", "password_common"),
        ("operator123", "", "password_common"),
        ("ivanov-2026!", "ivanov", "password_like_username"),
        ("vonavi-2026!", "ivanov", "password_like_username"),
        ("Ljubljana 1991 rain", "ivanov", None),
        ("correct horse battery", "", None),
        ("t4!kP9#zLq", "", None),
    ],
)
def test_the_policy_refuses_short_common_and_own_name_passwords(password: str, username: str, code) -> None:  # type: ignore[no-untyped-def]
    problem = password_problem(password, username)
    assert (problem.code if problem else None) == code


def test_a_secret_comes_from_a_file_then_the_environment_then_a_prompt(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("from-the-file\n")
    env = {"X_SECRET": "from-the-env"}
    assert read_secret(what="s", file=path, env_name="X_SECRET", environ=env) == "from-the-file"
    assert read_secret(what="s", file=None, env_name="X_SECRET", environ=env) == "from-the-env"
    typed = iter(["typed-1", "typed-1"])
    got = read_secret(
        what="s",
        file=None,
        env_name="X_SECRET",
        environ={},
        confirm=True,
        prompt=lambda _: next(typed),
        interactive=True,
    )
    assert got == "typed-1"
    with pytest.raises(SecretMissing, match="X_SECRET"):
        read_secret(what="s", file=None, env_name="X_SECRET", environ={}, interactive=False)


def test_the_ami_secret_may_come_from_the_environment_or_a_file_and_never_shows(tmp_path: Path) -> None:
    url = "ami://ccdesk@pbx.example:5038"
    from_env = Settings.from_env({"CCDESK_PBX": url, "CCDESK_PBX_SECRET": "s3cret-env"})
    assert from_env.ami is not None and from_env.ami.secret == "s3cret-env"
    assert "s3cret-env" not in repr(from_env) and "s3cret-env" not in repr(from_env.ami)
    path = tmp_path / "ami.secret"
    path.write_text("s3cret-file\n")
    from_file = Settings.from_env({"CCDESK_PBX": url, "CCDESK_PBX_SECRET_FILE": str(path)})
    assert from_file.ami is not None and from_file.ami.secret == "s3cret-file"
    in_url = Settings.from_env({"CCDESK_PBX": "ami://ccdesk:in-url@pbx.example:5038", "CCDESK_PBX_SECRET": "x"})
    assert in_url.ami is not None and in_url.ami.secret == "in-url"
    with pytest.raises(ConfigError, match="CCDESK_PBX_SECRET"):
        Settings.from_env({"CCDESK_PBX": url})
