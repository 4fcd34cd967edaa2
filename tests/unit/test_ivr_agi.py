"""AGI reply and environment parsing as tables."""

from __future__ import annotations

import pytest

from ivr.agi import parse_environment, parse_reply, quote
from ivr.errors import AgiProtocolError


@pytest.mark.parametrize(
    ("line", "code", "result", "data", "number"),
    [
        ("200 result=0", 200, "0", "", 0),
        ("200 result=0 endpos=8000", 200, "0", "", 0),
        ("200 result=-1 endpos=0", 200, "-1", "", -1),
        ("200 result=123", 200, "123", "", 123),
        ("200 result= (timeout)", 200, "", "timeout", None),
        ("200 result=12 (timeout)", 200, "12", "timeout", 12),
        ("200 result=1 (79001234567)", 200, "1", "79001234567", 1),
        ('200 result=1 ("IVR Caller" <79001234567>)', 200, "1", '"IVR Caller" <79001234567>', 1),
        ("510 Invalid or unknown command", 510, "", "", None),
        ("100 result=0 Trying...", 100, "0", "", 0),
    ],
)
def test_replies(line: str, code: int, result: str, data: str, number: int | None) -> None:
    reply = parse_reply(line)
    assert (reply.code, reply.result, reply.data, reply.number) == (code, result, data, number)


@pytest.mark.parametrize("line", ["", "HELLO", "20 result=0", "abc 200"])
def test_non_replies_are_protocol_errors(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        parse_reply(line)


@pytest.mark.parametrize(
    ("block", "script", "params", "caller"),
    [
        (
            b"agi_network_script: ivr?lang=ru\nagi_callerid: 79001234567\n\n",
            "ivr",
            {"lang": "ru"},
            "79001234567",
        ),
        (b"agi_network_script: /ivr\r\nagi_callerid: unknown\r\n\r\n", "ivr", {}, ""),
        (b"agi_network_script: ivr\nagi_callerid: <unknown>\nnoise line\nx: y\n\n", "ivr", {}, ""),
    ],
)
def test_environment(block: bytes, script: str, params: dict[str, str], caller: str) -> None:
    request = parse_environment(block)
    assert (request.script, dict(request.params), request.caller_id) == (script, params, caller)


def test_environment_without_script_is_not_fastagi() -> None:
    with pytest.raises(AgiProtocolError, match="agi_network_script"):
        parse_environment(b"GET / HTTP/1.0\n\n")


@pytest.mark.parametrize(
    ("value", "quoted"),
    [("support", '"support"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"')],
)
def test_variable_values_are_quoted(value: str, quoted: str) -> None:
    assert quote(value) == quoted
