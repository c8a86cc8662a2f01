"""A failure mid-pipeline loses nothing: the retry is processed and the agent sees one line."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.errors import Unavailable
from server.keys import JOURNAL, STATE
from server.store.models import LiveEntryIn, WrittenEntry
from tests.fixtures.app import customer_says


async def test_event_failing_mid_pipeline_is_processed_by_the_retry(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    journal = client.app[JOURNAL]
    real_record = journal.record
    failures = [Unavailable("the sqlite database is unreachable")]

    async def flaky_record(entry: LiveEntryIn) -> WrittenEntry:
        # The line is recorded and shown; recording its suggestions fails once.
        if entry.kind == "suggestions" and failures:
            raise failures.pop()
        return await real_record(entry)

    monkeypatch.setattr(journal, "record", flaky_record)
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    message = customer_says("e1", "my router keeps dropping")

    failed = await client.post("/api/v1/events", json=message, headers=headers)
    retried = await client.post("/api/v1/events", json=message, headers=headers)

    assert failed.status == 503
    assert (await failed.json())["code"] == "unavailable"
    assert (await retried.json())["results"][0]["status"] == "processed"
    first, second = (
        (await widget.next("transcript"))["line"],
        (await widget.next("transcript"))["line"],
    )
    assert first == second  # the widget drops a repeated position: one line on screen
    assert (await widget.next("suggestions"))["trigger_event_id"] == "e1"
    snapshot = await client.app[JOURNAL].snapshot("acme", "conv-1")
    assert [line.event_id for line in snapshot.transcript] == ["e1"]


async def test_a_retry_after_the_card_set_was_recorded_sends_the_recorded_set_again(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    journal = client.app[JOURNAL]
    real_record = journal.record
    failures = [Unavailable("the sqlite database is unreachable")]

    async def lost_answer(entry: LiveEntryIn) -> WrittenEntry:
        # The set is written, but the database's answer is lost on the way back once.
        written = await real_record(entry)
        if entry.kind == "suggestions" and failures:
            raise failures.pop()
        return written

    monkeypatch.setattr(journal, "record", lost_answer)
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    message = customer_says("e1", "my router keeps dropping")

    failed = await client.post("/api/v1/events", json=message, headers=headers)
    retried = await client.post("/api/v1/events", json=message, headers=headers)

    assert failed.status == 503
    assert (await retried.json())["results"][0]["status"] == "processed"
    sent = await widget.next("suggestions")
    snapshot = await journal.snapshot("acme", "conv-1")
    assert sent["trigger_event_id"] == "e1"
    assert sent["items"] == [item.model_dump(mode="json") for item in snapshot.suggestions]
    assert widget.pending("suggestions") == 0


async def test_unexpected_errors_are_json_500s(
    client: TestClient[Any, Any], api_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(client.app[STATE], "claim_event", broken)
    response = await client.post(
        "/api/v1/events",
        json=customer_says("e1", "hi"),
        headers={"Authorization": f"Bearer {api_keys['acme']}"},
    )

    assert response.status == 500
    assert (await response.json())["code"] == "internal_error"
