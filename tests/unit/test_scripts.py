"""Talk scripts: one per call topic, checked at load with errors naming the topic and its line."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from crm_store.demo_names import TOPICS
from workstation.scripts import GENERAL, SECTIONS, ScriptError, default_scripts, load_scripts, parse_scripts, script_for

RAW = tomllib.loads(resources.files("workstation").joinpath("scripts.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("topic", TOPICS)
def test_every_call_topic_has_a_full_script(topic: str) -> None:
    script = script_for(topic)
    assert script.topic == topic and script.title
    assert tuple(s.name for s in script.sections) == SECTIONS
    assert all(s.title and s.lines and all(line.strip() for line in s.lines) for s in script.sections)


@pytest.mark.parametrize(("topic", "shown"), [(None, GENERAL), ("", GENERAL), ("weather", GENERAL), ("debt", "debt")])
def test_a_call_without_a_known_topic_gets_the_general_script(topic: str | None, shown: str) -> None:
    assert script_for(topic).topic == shown


def test_common_sections_open_and_close_every_script_unless_a_topic_overrides_them() -> None:
    debt, outage = script_for("debt"), script_for("outage")
    assert debt.sections[0].lines == outage.sections[0].lines  # the same greeting
    assert debt.sections[1].lines != outage.sections[1].lines  # outage asks for the address first
    assert "ЭнергоСбыт" in debt.sections[0].lines[0]  # {company} filled at load


def test_render_fills_the_operator_and_customer_and_keeps_what_it_does_not_know() -> None:
    script = script_for("balance")
    assert "{operator}" in script.sections[0].lines[0]
    rendered = script.render(operator="Ирина")
    assert rendered.sections[0].lines[0].startswith("Добрый день! ЭнергоСбыт, меня зовут Ирина.")
    assert any("{customer}" in line for s in rendered.sections for line in s.lines)
    full = script.render(operator="Ирина", customer="Иванов Иван")
    assert not any("{" in line for s in full.sections for line in s.lines)
    assert full.to_json()["sections"][0] == {
        "name": "greeting",
        "title": "Приветствие",
        "lines": list(full.sections[0].lines),
    }


def test_topics_list_the_call_card_choices_with_titles() -> None:
    topics = dict(default_scripts().topics())
    assert set(topics) == set(TOPICS)
    assert topics["meter_reading"] == "Показания счётчика"


def _with(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(RAW)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["topics"].pop("debt"), "no script for topic(s) ['debt']"),
        (lambda d: d["topics"].__setitem__("weather", d["topics"]["debt"]), "topic 'weather': unknown topic"),
        (lambda d: d["topics"]["debt"].pop("steps"), "topic 'debt': 'steps' is missing"),
        (lambda d: d["topics"]["debt"].__setitem__("steps", []), "topic 'debt': 'steps' must be a non-empty list"),
        (lambda d: d["topics"]["debt"]["steps"].append(" "), "topic 'debt': 'steps[5]' must be a non-empty string"),
        (lambda d: d["topics"]["debt"]["steps"].append(3), "'steps[5]' must be a non-empty string"),
        (lambda d: d["topics"]["debt"]["steps"].append("Долг {debt}"), "'steps[5]': unknown placeholder {debt}"),
        (lambda d: d["topics"]["debt"]["steps"].append("{operator!r}"), "no format spec or conversion"),
        (lambda d: d["topics"]["debt"]["steps"].append("{оператор"), "literal braces"),
        (lambda d: d["topics"]["debt"].__setitem__("step", ["x"]), "topic 'debt': unknown key(s) ['step']"),
        (lambda d: d["topics"]["debt"].pop("title"), "topic 'debt': 'title'"),
        (lambda d: d["common"].pop("closing"), "[common]: 'closing' must be a non-empty list"),
        (lambda d: d["common"].__setitem__("farewell", ["x"]), "[common]: unknown key(s) ['farewell']"),
        (lambda d: d["section_titles"].pop("steps"), "[section_titles]"),
        (lambda d: d.__setitem__("company", ""), "'company'"),
        (lambda d: d.__setitem__("scripts", {}), "unknown key(s) ['scripts']"),
    ],
)
def test_broken_scripts_are_refused_at_load(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScriptError) as error:
        parse_scripts(_with(change), source="scripts.toml")
    assert message in str(error.value)


def test_errors_in_a_file_name_the_topic_line(tmp_path: Path) -> None:
    text = resources.files("workstation").joinpath("scripts.toml").read_text(encoding="utf-8")
    broken = text.replace('title = "Задолженность"', 'title = "Задолженность"\nagenda = ["x"]')
    path = tmp_path / "scripts.toml"
    path.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("[topics.debt]") + 1
    with pytest.raises(ScriptError, match=rf"scripts\.toml:{line}: topic 'debt': unknown key\(s\) \['agenda'\]"):
        load_scripts(path)
    path.write_text(text + "\n[topics.debt\n", encoding="utf-8")
    with pytest.raises(ScriptError, match="line"):
        load_scripts(path)
