"""Tests for replaying scripts through the simulator adapter."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from providers.models import Event
from providers.simulator import ScriptError, SimulatorAdapter, SimulatorSettings
from providers.simulator.client import load_script
from providers.simulator.mapping import script_to_events, total_duration

from .conftest import FIXTURES


def adapter_for(*scripts: Path, **options: object) -> SimulatorAdapter:
    """An adapter replaying ``scripts`` for the ``acme`` tenant in run ``run1``."""
    settings = SimulatorSettings.model_validate(
        {"tenant_id": "acme", "scripts": scripts, "run_id": "run1", **options}
    )
    return SimulatorAdapter(settings)


async def collect(adapter: SimulatorAdapter, limit: int = 1_000) -> list[Event]:
    """Every event ``listen`` yields, up to ``limit``, failing if it takes over 5 seconds."""
    events: list[Event] = []
    async with asyncio.timeout(5):
        async for event in adapter.listen():
            events.append(event)
            if len(events) == limit:
                break
    return events


async def test_replays_the_whole_conversation_then_stops(chat_script: Path) -> None:
    events = await collect(adapter_for(chat_script, speed=1000))
    assert events[0].kind == "conversation.started"
    assert events[-1].kind == "conversation.ended"
    assert len(events) == 11
    assert {event.conversation_id for event in events} == {"sim-run1-1"}


async def test_replays_scripts_one_after_another(chat_script: Path, voice_script: Path) -> None:
    events = await collect(adapter_for(chat_script, voice_script, speed=1000))
    ids = [event.conversation_id for event in events if event.kind == "conversation.started"]
    assert ids == ["sim-run1-1", "sim-run1-2"]
    assert events[-1].kind == "conversation.ended"


async def test_sleeps_scale_with_speed(voice_script: Path) -> None:
    script = load_script(voice_script)
    settings = SimulatorSettings(tenant_id="acme", scripts=(voice_script,), speed=200)
    expected = total_duration(script_to_events(script, settings, "c", datetime.now(UTC))) / 200
    started = time.monotonic()
    await collect(SimulatorAdapter(settings))
    assert time.monotonic() - started >= expected * 0.9


async def test_loop_starts_a_new_conversation_with_new_ids(chat_script: Path) -> None:
    adapter = adapter_for(chat_script, speed=10_000, loop=True)
    events = await collect(adapter, limit=22)
    await adapter.aclose()
    first, second = events[:11], events[11:]
    assert second[0].kind == "conversation.started"
    assert {event.conversation_id for event in second} == {"sim-run1-2"}
    first_ids = {event.provider_event_id for event in first}
    assert first_ids.isdisjoint(event.provider_event_id for event in second)
    assert second[0].occurred_at > first[-1].occurred_at


async def test_event_ids_are_deterministic_for_a_run_id(chat_script: Path) -> None:
    first = await collect(adapter_for(chat_script, speed=1000))
    again = await collect(adapter_for(chat_script, speed=1000))
    assert [e.provider_event_id for e in first] == [e.provider_event_id for e in again]


async def test_different_runs_get_different_ids(chat_script: Path) -> None:
    first = await collect(
        SimulatorAdapter(SimulatorSettings(tenant_id="a", scripts=(chat_script,), speed=1000))
    )
    other = await collect(
        SimulatorAdapter(SimulatorSettings(tenant_id="a", scripts=(chat_script,), speed=1000))
    )
    assert first[0].conversation_id != other[0].conversation_id


async def test_aclose_interrupts_a_long_wait(chat_script: Path) -> None:
    adapter = adapter_for(chat_script, speed=1)
    received: list[Event] = []

    async def consume() -> None:
        async for event in adapter.listen():
            received.append(event)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)  # the first event has no delay; the second is seconds away
    await adapter.aclose()
    async with asyncio.timeout(1):
        await task
    assert [event.kind for event in received] == ["conversation.started"]


async def test_closed_adapter_yields_nothing(chat_script: Path) -> None:
    adapter = adapter_for(chat_script, speed=1000)
    await adapter.aclose()
    assert await collect(adapter) == []


def test_bad_script_fails_when_the_adapter_is_built() -> None:
    with pytest.raises(ScriptError, match=r"turns\[1\]\.speaker"):
        adapter_for(FIXTURES / "unknown_speaker.json")


@pytest.mark.parametrize("speed", [0, -1, 1_000_000])
def test_speed_must_be_positive_and_bounded(chat_script: Path, speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        SimulatorSettings(tenant_id="acme", scripts=(chat_script,), speed=speed)


def test_settings_need_a_script() -> None:
    with pytest.raises(ValueError, match="scripts"):
        SimulatorSettings(tenant_id="acme", scripts=())
