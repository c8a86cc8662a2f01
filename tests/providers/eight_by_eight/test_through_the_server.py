"""8x8 through a whole cuecard server: the supervisor reads the Pulsar double from the stored
position, widgets see each fact once, and the admin sees a refused key on Health.

Faults: the stream dropped mid-conversation, the key rotated at 8x8 (401), a burst while a
widget is slow, and a restart of the server (a new process on the same database, with fresh
live state: only the stored position keeps events from being handed on twice).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import Settings
from server.keys import STATE, STORE
from tests.doubles.pulsar.eight_by_eight import EightByEightTenant, interaction
from tests.doubles.pulsar.world import PulsarWorld
from tests.fixtures.app import Widget, fail_once

from .conftest import AGENT, fixture

CALL = fixture("inbound_call.json")
GUID = CALL[0]["Interaction"]["interactionGUID"]
ALL = "persistent://acmecc01/event-v1/all"
Connect = Callable[..., Awaitable[Widget]]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def add_integration(
    client: TestClient[Any, Any], key: str, double: TestServer, tenant: EightByEightTenant
) -> str:
    """The admin stores the 8x8 integration; the supervisor starts reading at once."""
    settings = {
        "tenant_name": tenant.name,
        "api_key": tenant.key,
        "stream_base_url": str(double.make_url("")).replace("http://", "ws://").rstrip("/"),
        "start_at": "earliest",
        "receiver_queue_size": 5,
        "handoff_items": ["accountNumber"],
    }
    body = {"provider": "eight_by_eight", "name": "8x8 UK", "settings": settings}
    created = await client.post("/api/v1/integrations", json=body, headers=auth(key))
    assert created.status == 201, await created.text()
    integration_id: str = (await created.json())["id"]
    return integration_id


async def reaches(widget: Widget, state: str) -> None:
    """Wait until the tenant's widgets are told the 8x8 connection is in ``state``."""
    while True:
        status = await widget.next("integration.status", within=15)
        if status["provider"] == "eight_by_eight" and status["state"] == state:
            return


async def health_row(client: TestClient[Any, Any], key: str) -> dict[str, Any]:
    """The 8x8 row of the tenant's Health."""
    health = await (await client.get("/api/v1/health", headers=auth(key))).json()
    [row] = [c for c in health["connections"] if c["provider"] == "eight_by_eight"]
    return dict(row)


async def joined(connect: Connect, conversation_id: str) -> Widget:
    """A supervisor's widget on the conversation before any event of it arrives."""
    widget = await connect(agent=AGENT, supervisor=True)
    assert await widget.call("join", {"conversation_id": conversation_id}) == {"ok": True}
    await widget.next("snapshot")
    return widget


async def test_a_call_reaches_the_agents_widget_with_its_context_before_anyone_speaks(
    world: PulsarWorld,
    tenant: EightByEightTenant,
    double: TestServer,
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
) -> None:
    widget = await connect_widget(agent=AGENT)
    await add_integration(client, api_keys["acme"], double, tenant)
    await reaches(widget, "connected")

    for payload in CALL[:4]:
        tenant.emit(payload)

    assert await widget.next("assigned", within=10) == {"conversation_id": GUID, "queue": "1162"}
    await widget.call("join", {"conversation_id": GUID})
    snapshot = await widget.next("snapshot")
    assert snapshot["handoff"]["intent"] == "router keeps dropping the connection"
    assert snapshot["handoff"]["items"] == [{"label": "Account number", "value": "ACC-88120"}]
    assert snapshot["suggestions"][0]["title"] == "Resetting your home router"
    assert snapshot["transcript"] == []
    assert snapshot["provider"] == "eight_by_eight"


async def test_a_stream_dropped_mid_conversation_loses_nothing_and_repeats_nothing(
    world: PulsarWorld,
    tenant: EightByEightTenant,
    double: TestServer,
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
) -> None:
    widget = await joined(connect_widget, GUID)
    await add_integration(client, api_keys["acme"], double, tenant)
    for payload in CALL[:5]:  # offered, accepted, put on hold
        tenant.emit(payload)
    await world.wait_for(lambda: sum(len(s.acked) for s in world.sessions) == 5, within=10)

    world.drop(ALL)
    for payload in CALL[5:]:  # resumed, wrap-up, deleted: published while reconnecting
        tenant.emit(payload)

    statuses = [(await widget.next("status", within=15))["status"]]
    while statuses[-1] != "ended":
        statuses.append((await widget.next("status", within=15))["status"])
    # started, assigned, held | dropped here | resumed, ended: each once, in order.
    assert statuses == ["open", "open", "held", "open", "ended"]
    assert (await widget.next("handoff"))["intent"] == "router keeps dropping the connection"
    await world.wait_for(
        lambda: len({m for s in world.sessions for m in s.acked}) == len(CALL), within=10
    )
    assert widget.pending("handoff") == widget.pending("status") == 0
    acked = Counter(message_id for s in world.sessions for message_id in s.acked)
    assert len(acked) == len(CALL)
    assert set(acked.values()) == {1}
    assert world.handshakes[-1].query["messageId"] == world.sessions[0].acked[-1]
    assert (await health_row(client, api_keys["acme"]))["state"] == "connected"


async def test_a_failure_on_our_side_is_retried_not_skipped(
    world: PulsarWorld,
    tenant: EightByEightTenant,
    double: TestServer,
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = await joined(connect_widget, GUID)
    await add_integration(client, api_keys["acme"], double, tenant)
    for payload in CALL[:4]:  # offered and accepted
        tenant.emit(payload)
    await world.wait_for(lambda: sum(len(s.acked) for s in world.sessions) == 4, within=10)
    # Redis is away for the hold: the pipeline fails that one event once.
    failures = fail_once(monkeypatch, client.app[STATE], "update_meta")
    for payload in CALL[4:]:  # held, resumed, wrap-up, deleted
        tenant.emit(payload)

    statuses = [(await widget.next("status", within=15))["status"]]
    while statuses[-1] != "ended":
        statuses.append((await widget.next("status", within=15))["status"])
    # The hold was given back and read again: the agent sees it, and everything once.
    assert statuses == ["open", "open", "held", "open", "ended"]
    assert not failures
    await world.wait_for(
        lambda: len({m for s in world.sessions for m in s.acked}) == len(CALL), within=10
    )
    record = await client.app[STORE].conversations.get("acme", GUID)
    assert record is not None
    assert record.status == "ended"


async def test_a_key_rotated_at_8x8_stops_the_stream_and_shows_on_health(
    world: PulsarWorld,
    tenant: EightByEightTenant,
    double: TestServer,
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
) -> None:
    old_key = tenant.key
    widget = await connect_widget()
    await add_integration(client, api_keys["acme"], double, tenant)
    await reaches(widget, "connected")

    tenant.rotate_key("eght_RotatedKeyAfterTheOldOneLeaked00")
    world.drop(ALL)

    await reaches(widget, "auth_failed")
    row = await health_row(client, api_keys["acme"])
    assert row["state"] == "auth_failed"
    assert "8x8 refused the API key" in row["last_error"]
    assert "HTTP 401" in row["last_error"]
    assert old_key not in row["last_error"]
    attempts = len(world.handshakes)
    await asyncio.sleep(1.5)
    assert len(world.handshakes) == attempts, "a refused key is not retried"


async def test_a_burst_to_a_slow_widget_reaches_it_whole_and_once(
    world: PulsarWorld,
    tenant: EightByEightTenant,
    double: TestServer,
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Connect,
) -> None:
    widget = await connect_widget(agent=AGENT)

    async def slowly(data: Any) -> None:
        # A widget that takes its time with every assignment while the burst goes on.
        await asyncio.sleep(0.01)
        await widget.received["assigned"].put(data)

    widget.client.on("assigned", slowly, namespace="/agent")
    await add_integration(client, api_keys["acme"], double, tenant)
    await reaches(widget, "connected")

    calls = [f"int-burst-{n:03d}-phone-01-acmecc01" for n in range(60)]
    for guid in calls:
        for payload in CALL[:4]:
            tenant.emit(interaction(payload, interactionGUID=guid))

    assigned = [(await widget.next("assigned", within=30))["conversation_id"] for _ in calls]
    assert assigned == calls
    await world.wait_for(
        lambda: sum(len(s.acked) for s in world.sessions) == 4 * len(calls), within=30
    )
    await asyncio.sleep(0.3)
    assert widget.pending("assigned") == 0
    assert max(s.most_pending for s in world.sessions) <= 5


async def test_a_restarted_server_resumes_after_the_stored_position(
    world: PulsarWorld,
    tenant: EightByEightTenant,
    double: TestServer,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> None:
    first = await aiohttp_client(create_app(settings))
    integration = await add_integration(first, api_keys["acme"], double, tenant)
    for payload in CALL[:4]:
        tenant.emit(payload)
    await world.wait_for(lambda: sum(len(s.acked) for s in world.sessions) == 4, within=10)
    stored = await first.app[STORE].positions.get("acme", integration, ALL)
    await first.close()

    missed = [tenant.emit(payload) for payload in CALL[4:]]  # published while cuecard is down
    second = await aiohttp_client(create_app(settings))
    await world.wait_for(lambda: sum(len(s.acked) for s in world.sessions) == len(CALL), within=15)

    assert stored == world.sessions[0].acked[-1]
    resumed = world.sessions[-1]
    assert world.handshakes[-1].query["messageId"] == stored
    assert resumed.delivered == missed
    final = await second.app[STORE].positions.get("acme", integration, ALL)
    assert final == missed[-1]
    record = await second.app[STORE].conversations.get("acme", GUID)
    assert record is not None
    assert record.status == "ended"
