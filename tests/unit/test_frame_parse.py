"""The AMI message parser's shortcut (every line "Key: value", no key twice, parsed in one step) gives the
same frame as the line-by-line rules for any message: repeated keys, "Key:" with no value, lines without
a colon, values holding ": "."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cti.frames import Frame, _fast_parse


def _by_the_rules(raw: bytes) -> Frame:
    frame = Frame()
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            if not line.endswith(":"):
                continue
            key, value = line[:-1], ""
        frame.add(key, value)
    return frame


LINES = st.one_of(
    st.builds(
        lambda k, v: f"{k}: {v}", st.sampled_from(["Event", "Channel", "Variable", "Value", "Output"]), st.text()
    ),
    st.sampled_from(["Value:", "Output:", "--END COMMAND--", "", "Key:  two spaces", "a: b: c", "Событие: Звонок"]),
)


@given(st.lists(LINES, min_size=1, max_size=12))
def test_the_shortcut_parses_as_the_rules_do(lines: list[str]) -> None:
    raw = "\r\n".join(line.replace("\r", "").replace("\n", "") for line in lines).encode()
    ours, reference = _fast_parse(raw), _by_the_rules(raw)
    assert ours == reference
    assert ours.repeats == reference.repeats
