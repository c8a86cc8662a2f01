"""Salesforce conversations through the real server: the Omni-Channel queue routes suggestions,
and the wrap-up (notes kept by cuecard, hold timeline) lands once on the Case as a Task."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.config import Settings
from server.keys import STORE, SUPERVISOR
from server.store.models import WriteBack, WriteBackStatus
from server.store.write_backs import WriteBackKey
from tests.doubles.salesforce.world import SalesforceWorld
from tests.fixtures.app import Widget, event
from tests.fixtures.salesforce import AGENT_ID, FOREIGN_AGENT_ID, host_message
from tests.server.api.test_knowledge import DOC, new_kb

from .conftest import (
    Conversation,
    auth,
    eventually,
    new_session,
    open_conversation,
    tokens_for,
)

ZORBLAX = "how do I pair the zorblax remote with the box"


def task_writes(world: SalesforceWorld) -> list[int]:
    """Statuses of the Task upserts the double answered."""
    return [status for method, path, status in world.requests if "/sobjects/Task/" in path]


async def settled(
    client: TestClient[Any, Any], conversation: Conversation, status: WriteBackStatus
) -> WriteBack:
    """The conversation's outbox row once the writer has left it in ``status``."""
    key = WriteBackKey("acme", "salesforce", conversation.session_id)
    async with asyncio.timeout(10):
        while True:
            row = await client.app[STORE].write_backs.get(key)
            if row is not None and row.status is status:
                return row
            await asyncio.sleep(0.05)


async def map_queue_to_zorblax_kb(client: TestClient[Any, Any], key: str, queue: str) -> None:
    kb_id = await new_kb(client, key, "remotes")
    put = await client.put(
        f"/api/v1/knowledge-bases/{kb_id}/documents/zorblax", json=DOC, headers=auth(key)
    )
    mapped = await client.put(
        f"/api/v1/queue-mappings/salesforce/{queue}", json={"kb_id": kb_id}, headers=auth(key)
    )
    assert (put.status, mapped.status) == (201, 201)


async def suggested_titles(widget: Widget) -> list[str]:
    suggestions = await widget.next("suggestions", within=10)
    return [item["title"] for item in suggestions["items"]]


async def test_the_omni_channel_queue_picks_the_knowledge_base(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    salesforce_world: SalesforceWorld,
    connect_widget: Any,
) -> None:
    await map_queue_to_zorblax_kb(client, api_keys["acme"], "Billing")
    widget: Widget = await connect_widget("acme", AGENT_ID)
    billing = await open_conversation(salesforce_world, widget, "Billing")
    await billing.hand_in("customer", text=ZORBLAX)

    assert billing.snapshot["queue"] == "Billing"
    assert (await suggested_titles(widget))[0] == DOC["title"]

    # The same words in a conversation routed from an unmapped queue use the default base.
    sales = await open_conversation(salesforce_world, widget, "Sales")
    await sales.hand_in("customer", text=ZORBLAX)
    titles = await asyncio.wait_for(_titles_or_none(widget, sales.session_id), 10)
    assert sales.snapshot["queue"] == "Sales"
    assert DOC["title"] not in titles


async def _titles_or_none(widget: Widget, conversation_id: str) -> list[str]:
    """Suggestions of ``conversation_id``, or none once its customer line was transcribed."""
    while True:
        name, payload = await _next_of(widget, ("suggestions", "transcript"))
        if payload["conversation_id"] != conversation_id:
            continue
        if name == "suggestions":
            return [item["title"] for item in payload["items"]]
        # A line without suggestions is followed by nothing: give the pipeline a moment.
        try:
            suggestions = await widget.next("suggestions", within=2)
        except TimeoutError:
            return []
        return [item["title"] for item in suggestions["items"]]


async def _next_of(widget: Widget, names: tuple[str, ...]) -> tuple[str, Any]:
    while True:
        for name in names:
            if widget.pending(name):
                return name, await widget.next(name)
        await asyncio.sleep(0.02)


async def test_a_replayed_start_costs_the_org_no_second_lookup(
    conversation: Conversation,
) -> None:
    reads = len(conversation.world.requests)
    ack = await conversation.hand_in("context")
    assert ack["duplicates"] == 1
    assert len(conversation.world.requests) == reads


async def test_lines_a_re_rendered_component_hands_in_again_show_once(
    conversation: Conversation,
) -> None:
    widget, session_id = conversation.widget, conversation.session_id
    customer = host_message("customer", session_id, text="my router keeps dropping")
    agent = host_message("agent", session_id, text="Let me check that for you")
    latest = host_message("customer", session_id, text="the lights go orange")
    acks = []
    # The first component's lines, then a second one's replay of its buffer, then a new line.
    for message in (customer, agent, customer, agent, latest):
        bridged = {"platform": "salesforce", "message": message}
        acks.append(await widget.call("bridge.event", bridged))

    new, again = (1, 0), (0, 1)  # (accepted, duplicates)
    assert [(ack["accepted"], ack["duplicates"]) for ack in acks] == [new, new, again, again, new]
    lines = [(await widget.next("transcript"))["line"] for _ in range(3)]
    assert [(line["speaker"], line["text"]) for line in lines] == [
        ("customer", "my router keeps dropping"),
        ("agent", "Let me check that for you"),
        ("customer", "the lights go orange"),
    ]


async def test_the_wrap_up_lands_once_on_the_case_with_the_notes_and_the_holds(
    client: TestClient[Any, Any], api_keys: dict[str, str], conversation: Conversation
) -> None:
    await conversation.hand_in("customer", text="my router keeps dropping")
    saved = await conversation.widget.call(
        "notes.save",
        {
            "conversation_id": conversation.session_id,
            "text": "Router reset explained; customer will call back if it drops again.",
            "request_id": "notes-0001",
        },
    )
    assert saved["ok"], saved
    # Holds come from any source of the conversation's events, e.g. a telephony connector.
    start = datetime.now(UTC) - timedelta(minutes=3)
    holds = [
        event(
            kind,
            f"hold-{n}",
            conversation.session_id,
            provider="salesforce",
            media="message",
            occurred_at=(start + timedelta(seconds=seconds)).isoformat(),
        )
        for n, (kind, seconds) in enumerate(
            [("participant.held", 0), ("participant.resumed", 40), ("participant.held", 100)]
        )
    ]
    posted = await client.post("/api/v1/events", json=holds, headers=auth(api_keys["acme"]))
    assert posted.status == 200, await posted.text()
    await conversation.hand_in("ended")
    await conversation.hand_in("ended")  # a re-rendered component hands the end in again

    await eventually(lambda: len(conversation.tasks()) == 1)
    [task] = conversation.tasks()
    assert (task["OwnerId"], task["Status"]) == (AGENT_ID, "Completed")
    assert task["Cuecard_Id__c"] == f"{conversation.session_id}-{AGENT_ID}"
    assert task["Cuecard_Hold_Count__c"] == 2
    assert 100 <= task["Cuecard_Hold_Seconds__c"] <= 125  # the open hold lasts to the end
    assert task["Description"].startswith("Router reset explained;")
    assert "Holds: 2," in task["Description"]
    await asyncio.sleep(0.3)
    assert task_writes(conversation.world) == [201]
    row = await client.app[STORE].write_backs.get(
        WriteBackKey("acme", "salesforce", conversation.session_id)
    )
    assert row is not None
    assert (row.status, row.record_id) == (WriteBackStatus.WRITTEN, task["Id"])


async def test_notes_saved_after_the_end_update_the_same_task(conversation: Conversation) -> None:
    await conversation.hand_in("ended")
    await eventually(lambda: len(conversation.tasks()) == 1)

    saved = await conversation.widget.call(
        "notes.save",
        {
            "conversation_id": conversation.session_id,
            "text": "Late notes.",
            "request_id": "notes-0002",
        },
    )

    assert saved["ok"], saved
    await eventually(lambda: conversation.tasks()[0]["Description"].startswith("Late notes."))
    assert len(conversation.tasks()) == 1
    assert task_writes(conversation.world) == [201, 200]


async def test_notes_are_the_conversations_agents_only(
    conversation: Conversation, connect_widget: Any, settings: Settings
) -> None:
    # A supervisor may watch any conversation, but the notes are its agent's.
    token = tokens_for(settings).mint("acme", FOREIGN_AGENT_ID, supervisor=True)
    supervisor: Widget = await connect_widget(token=token)
    await supervisor.call("join", {"conversation_id": conversation.session_id})
    refused = await supervisor.call(
        "notes.save",
        {
            "conversation_id": conversation.session_id,
            "text": "mine now",
            "request_id": "notes-0003",
        },
    )
    await conversation.hand_in("ended")

    assert refused["error"] == {
        "code": "forbidden",
        "message": "this conversation is another agent's",
        "field": "conversation_id",
    }
    await eventually(lambda: len(conversation.tasks()) == 1)
    assert "mine now" not in conversation.tasks()[0]["Description"]


async def test_a_rejected_task_is_set_aside_with_the_fields_salesforce_named(
    client: TestClient[Any, Any], conversation: Conversation
) -> None:
    conversation.world.validation_rules.append(
        lambda sobject, record: (
            {
                "message": "Completed tasks need a comment",
                "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "fields": ["Description"],
            }
            if sobject == "Task"
            else None
        )
    )
    await conversation.hand_in("ended")

    row = await settled(client, conversation, WriteBackStatus.FAILED)
    assert row.last_error == (
        "Salesforce refused the Task upsert: FIELD_CUSTOM_VALIDATION_EXCEPTION on Description: "
        "Completed tasks need a comment"
    )
    assert conversation.tasks() == []


@pytest.mark.parametrize(
    "integration_settings", [{"api_limit_probes": 2, "api_limit_cooldown_seconds": 1}]
)
async def test_a_limit_storm_stays_within_the_budget_and_every_wrap_up_lands(
    client: TestClient[Any, Any],
    salesforce_world: SalesforceWorld,
    connect_widget: Any,
    integration_settings: dict[str, Any],
) -> None:
    widget: Widget = await connect_widget("acme", AGENT_ID)
    conversations = []
    for _ in range(12):
        session_id, case_id = new_session(salesforce_world)
        conversations.append(Conversation(salesforce_world, widget, session_id, case_id))
        await conversations[-1].hand_in("context")
    salesforce_world.faults.limit_storm = True
    refused_before = _refused(salesforce_world)
    loop = asyncio.get_running_loop()
    storm_began = loop.time()

    for conversation in conversations:
        await conversation.hand_in("ended")
    await eventually(lambda: _refused(salesforce_world) > refused_before)
    await asyncio.sleep(0.5)
    salesforce_world.faults.limit_storm = False
    storm_lasted = loop.time() - storm_began
    await eventually(lambda: all(len(c.tasks()) == 1 for c in conversations), within=30)

    # The gate admits 4 requests at once: the storm costs them and 2 probes, then each
    # cool-down (1 s) it outlasts costs at most 2 probes more, however many wrap-ups wait.
    cooldowns = int(storm_lasted / integration_settings["api_limit_cooldown_seconds"])
    assert _refused(salesforce_world) - refused_before <= 4 + 2 * (1 + cooldowns)
    assert sorted(task_writes(salesforce_world)).count(201) == len(conversations)


def _refused(world: SalesforceWorld) -> int:
    return sum(1 for _, _, status in world.requests if status == 403)


async def test_a_refused_sign_in_holds_the_wrap_up_until_the_integration_is_saved(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    conversation: Conversation,
    salesforce_world: SalesforceWorld,
) -> None:
    integration = salesforce_world.user_by_name("cuecard-integration@acme.example")
    assert integration is not None
    # An admin removed the permission set from the app, and the session ran out.
    integration.preauthorized = False
    salesforce_world.expire_sessions()
    await conversation.hand_in("ended")

    row = await settled(client, conversation, WriteBackStatus.HELD)
    assert "user hasn't approved this consumer" in (row.last_error or "")
    assert conversation.tasks() == []

    integration.preauthorized = True
    listed = await client.get("/api/v1/integrations", headers=auth(api_keys["acme"]))
    [saved] = (await listed.json())["items"]
    patched = await client.patch(
        f"/api/v1/integrations/{saved['id']}",
        json={"name": "Acme org (fixed)"},
        headers=auth(api_keys["acme"]),
    )
    assert patched.status == 200
    await eventually(lambda: len(conversation.tasks()) == 1)


async def test_a_desktop_platform_runs_no_event_source_and_shows_no_connection_error(
    client: TestClient[Any, Any],
) -> None:
    assert client.app[SUPERVISOR].statuses("acme") == []
