"""Tests for reading and validating simulator scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.errors import ProviderConfigError
from providers.models import MediaType, Speaker
from providers.simulator.client import (
    ActionTurn,
    LineTurn,
    ScriptError,
    field_path,
    load_script,
    load_scripts,
    parse_script,
)

from .conftest import FIXTURES


def test_loads_a_valid_script(chat_script: Path) -> None:
    script = load_script(chat_script)
    assert script.queue == "broadband-support"
    assert script.media is MediaType.CHAT
    assert script.expected_article == "router-dropping-connection"
    assert script.turns[1] == LineTurn(
        speaker=Speaker.CUSTOMER, text="my internet keeps cutting out"
    )
    assert script.turns[4] == ActionTurn(action="resume", pause=4.5)


def test_media_defaults_to_chat() -> None:
    script = parse_script('{"title": "t", "queue": "q", "turns": [{"action": "hold"}]}', source="s")
    assert script.media is MediaType.CHAT
    assert script.expected_article is None


@pytest.mark.parametrize(
    ("fixture", "field", "message"),
    [
        ("unknown_speaker.json", "turns[1].speaker", "Input should be 'customer', 'agent'"),
        ("missing_text.json", "turns[2].text", "Field required"),
        ("missing_queue.json", "queue", "Field required"),
        ("resume_without_hold.json", "turns[1].action", "resume without a hold"),
    ],
)
def test_bad_scripts_name_the_file_and_field(fixture: str, field: str, message: str) -> None:
    path = FIXTURES / fixture
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert caught.value.field == field
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}: {field}: {message}")


def test_script_errors_are_config_errors() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        load_script(FIXTURES / "unknown_speaker.json")
    assert caught.value.code == "provider_config_error"


def test_invalid_json_names_the_line() -> None:
    with pytest.raises(ScriptError, match=r"not_json\.json: not valid JSON .* line 2"):
        load_script(FIXTURES / "not_json.json")


def test_missing_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="cannot be read"):
        load_script(tmp_path / "nope.json")


def test_a_turn_must_be_an_object() -> None:
    with pytest.raises(ScriptError, match="must be an object with speaker and text") as caught:
        parse_script('{"title": "t", "queue": "q", "turns": ["hello"]}', source="s")
    assert caught.value.field == "turns[0]"


def test_hold_twice_is_rejected() -> None:
    raw = '{"title": "t", "queue": "q", "turns": [{"action": "hold"}, {"action": "hold"}]}'
    with pytest.raises(ScriptError, match="already on hold") as caught:
        parse_script(raw, source="s")
    assert caught.value.field == "turns[1].action"


def test_unknown_keys_are_rejected() -> None:
    raw = '{"title": "t", "queue": "q", "turns": [{"speaker": "agent", "txt": "hi"}]}'
    with pytest.raises(ScriptError) as caught:
        parse_script(raw, source="s")
    assert caught.value.field == "turns[0].text"
    assert "turns[0].txt: Extra inputs are not permitted" in str(caught.value)


def test_load_scripts_keeps_order(chat_script: Path, voice_script: Path) -> None:
    titles = [script.title for script in load_scripts([voice_script, chat_script])]
    assert titles == ["Card declined on the bill", "Router light flashing orange"]


def test_field_path_drops_union_tags() -> None:
    assert field_path(("turns", 3, "line", "speaker")) == "turns[3].speaker"
    assert field_path(("title",)) == "title"
