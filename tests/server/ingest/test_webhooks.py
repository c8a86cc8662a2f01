"""Pushed events: POST /api/v1/webhooks/{platform}/{integration_id} with a signed delivery.

The platform is Hookdesk (tests/fixtures/hookdesk), a push source that signs its deliveries;
everything else is the real server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from server.keys import JOURNAL, STATE
from server.state.base import Claim, event_key
from tests.fixtures.app import Widget, fail_once
from tests.fixtures.hookdesk.adapter import signature
from tests.fixtures.hookdesk.manifest import MANIFEST as HOOKDESK
from tests.server.integrations.test_supervisor import state_of

SECRET = "hookdesk-signing-secret-acme-0001"
DELIVERY = Path(__file__).parents[2] / "fixtures" / "hookdesk" / "fixtures" / "delivery.json"
Connect = Callable[..., Awaitable[Widget]]


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestClient[Any, Any]:
    """The real app; Hookdesk is the one platform integrations can be stored for."""
    return await aiohttp_client(create_app(settings, platforms={"hookdesk": HOOKDESK}))


async def add_hookdesk(client: TestClient[Any, Any], api_key: str, secret: str = SECRET) -> str:
    """Store a Hookdesk integration and wait until its adapter is ready; its id."""
    response = await client.post(
        "/api/v1/integrations",
        json={"provider": "hookdesk", "name": "Hookdesk", "settings": {"signing_secret": secret}},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return str(body["id"])


@pytest.fixture
async def integration(client: TestClient[Any, Any], api_keys: dict[str, str]) -> str:
    integration_id = await add_hookdesk(client, api_keys["acme"])
    await state_of(client, "acme", "connected")
    return integration_id


def signed(body: bytes, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "X-Hookdesk-Timestamp": timestamp,
        "X-Hookdesk-Signature": signature(secret, timestamp, body),
        "Content-Type": "application/json",
    }


async def deliver(
    client: TestClient[Any, Any], integration_id: str, body: bytes, **headers: str
) -> Any:
    return await client.post(
        f"/api/v1/webhooks/hookdesk/{integration_id}",
        data=body,
        headers=headers or signed(body),
    )


async def test_a_signed_delivery_reaches_the_widget(
    client: TestClient[Any, Any], integration: str, connect_widget: Connect
) -> None:
    widget = await connect_widget(supervisor=True)  # the delivery assigns nobody
    await widget.call("join", {"conversation_id": "hd-conv-1"})
    response = await deliver(client, integration, DELIVERY.read_bytes())
    assert response.status == 200, await response.text()
    # The unknown "agent.typing" entry maps to nothing: two events, both processed.
    assert await response.json() == {"accepted": 2, "duplicates": 0}
    line = (await widget.next("transcript"))["line"]
    assert (line["speaker"], line["text"]) == ("customer", "My router keeps dropping the wifi")
    assert (await widget.next("suggestions"))["trigger_event_id"] == "ev-1002"


async def test_a_redelivery_is_recognised_and_changes_nothing(
    client: TestClient[Any, Any], integration: str
) -> None:
    body = DELIVERY.read_bytes()
    assert (await (await deliver(client, integration, body)).json())["accepted"] == 2
    again = await deliver(client, integration, body)
    assert await again.json() == {"accepted": 0, "duplicates": 2}
    snapshot = await client.app[JOURNAL].snapshot("acme", "hd-conv-1")
    assert [line.event_id for line in snapshot.transcript] == ["ev-1002"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hookdesk-Timestamp": "1", "X-Hookdesk-Signature": "v1=00"},
        "wrong secret",
        "an hour old",
    ],
    ids=["unsigned", "garbage", "wrong-secret", "replayed"],
)
async def test_an_unverified_delivery_is_refused_and_changes_nothing(
    client: TestClient[Any, Any], integration: str, headers: Any
) -> None:
    body = DELIVERY.read_bytes()
    if headers == "wrong secret":
        headers = signed(body, secret="someone-elses-secret-0000")
    elif headers == "an hour old":
        headers = signed(body, at=time.time() - 3600)
    response = await client.post(
        f"/api/v1/webhooks/hookdesk/{integration}", data=body, headers=headers
    )
    assert response.status == 401
    assert (await response.json())["code"] == "signature_invalid"
    snapshot = await client.app[JOURNAL].snapshot("acme", "hd-conv-1")
    assert snapshot.transcript == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"not json at all", "body"),
        (b'{"delivery_id": "d-2"}', "events: Field required"),
        (
            json.dumps({"delivery_id": "d", "events": [{"id": "x", "type": "message.posted"}]}),
            "events.0.conversation_id: Field required",
        ),
    ],
)
async def test_a_payload_that_can_never_map_is_a_422_naming_the_problem(
    client: TestClient[Any, Any], integration: str, body: bytes | str, problem: str
) -> None:
    raw = body.encode() if isinstance(body, str) else body
    response = await deliver(client, integration, raw)
    assert response.status == 422
    error = await response.json()
    assert error["code"] == "payload_invalid"
    assert problem in error["message"]


async def test_the_platform_gets_no_2xx_until_the_pipeline_accepted_and_its_retry_counts_once(
    client: TestClient[Any, Any],
    integration: str,
    connect_widget: Connect,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widget = await connect_widget()
    await widget.call("join", {"conversation_id": "hd-conv-1"})
    fail_once(monkeypatch, client.app[STATE], "append_line")
    body = DELIVERY.read_bytes()
    failed = await deliver(client, integration, body)
    assert failed.status == 503
    retried = await deliver(client, integration, body)
    # The conversation's start had gone through; the message is processed now, once.
    assert await retried.json() == {"accepted": 1, "duplicates": 1}
    snapshot = await client.app[JOURNAL].snapshot("acme", "hd-conv-1")
    assert [line.event_id for line in snapshot.transcript] == ["ev-1002"]


async def test_a_delivery_for_another_tenants_integration_needs_that_tenants_secret(
    client: TestClient[Any, Any], integration: str, api_keys: dict[str, str]
) -> None:
    globex = await add_hookdesk(client, api_keys["globex"], secret="globex-signing-secret-0002")
    await state_of(client, "globex", "connected")
    body = DELIVERY.read_bytes()
    refused = await deliver(client, globex, body)  # signed with acme's secret
    assert refused.status == 401
    accepted = await deliver(client, globex, body, **signed(body, "globex-signing-secret-0002"))
    assert (await accepted.json())["accepted"] == 2
    # The tenant came from the integration: globex has the conversation, acme does not.
    assert (await client.app[JOURNAL].snapshot("globex", "hd-conv-1")).transcript
    assert (await client.app[JOURNAL].snapshot("acme", "hd-conv-1")).transcript == []


@pytest.mark.parametrize("path", ["hookdesk/no-such-id", "relay/{id}", "hookdesk/{id}x"])
async def test_an_unknown_platform_or_integration_is_a_404(
    client: TestClient[Any, Any], integration: str, path: str
) -> None:
    body = DELIVERY.read_bytes()
    response = await client.post(
        "/api/v1/webhooks/" + path.format(id=integration), data=body, headers=signed(body)
    )
    assert response.status == 404
    assert (await response.json())["code"] == "not_found"


async def test_a_disabled_integration_takes_no_deliveries(
    client: TestClient[Any, Any], integration: str, api_keys: dict[str, str]
) -> None:
    response = await client.patch(
        f"/api/v1/integrations/{integration}",
        json={"enabled": False},
        headers={"Authorization": f"Bearer {api_keys['acme']}"},
    )
    assert response.status == 200
    assert (await deliver(client, integration, DELIVERY.read_bytes())).status == 404


async def test_a_delivery_racing_one_in_progress_is_told_to_retry(
    client: TestClient[Any, Any], integration: str
) -> None:
    # Another node is processing the message right now (and may yet fail or die).
    held = await client.app[STATE].claim_event(event_key("acme", "hookdesk", "ev-1002"))

    response = await deliver(client, integration, DELIVERY.read_bytes())

    assert held is Claim.TAKEN
    assert response.status == 503
    assert response.headers["Retry-After"] == "2"
    body = await response.json()
    assert (body["code"], body["field"]) == ("in_progress", "events[1]")
    assert [result["status"] for result in body["results"]] == ["processed", "in_progress"]
