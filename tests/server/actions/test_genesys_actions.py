"""Replies and wrap-up notes reach Genesys Cloud (the double) with the agent's own token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.doubles.genesys.actions import web_messaging_conversation
from tests.doubles.genesys.world import GenesysWorld
from tests.fixtures.app import Widget, customer_says, event
from tests.fixtures.genesys import sign_in

Connect = Callable[..., Awaitable[Widget]]


async def genesys_conversation(
    client: TestClient[Any, Any],
    api_key: str,
    world: GenesysWorld,
    conversation_id: str,
    agent: str,
    *,
    assigned_in_cuecard: str | None = None,
) -> None:
    """A web-messaging conversation in Genesys whose start, assignment and first message
    cuecard saw; ``assigned_in_cuecard`` is who cuecard saw it assigned to, if not ``agent``
    (the conversation moved on since)."""
    world.conversations[conversation_id] = web_messaging_conversation(conversation_id, agent)
    started = event("conversation.started", f"{conversation_id}-s", conversation_id)
    assigned = event(
        "agent.assigned",
        f"{conversation_id}-a",
        conversation_id,
        agent_id=assigned_in_cuecard or agent,
        queue="support",
    )
    message = customer_says(f"{conversation_id}-m1", "Where is my parcel?")
    message["conversation_id"] = conversation_id
    for item in (started, assigned, message):
        item["provider"] = "genesys"
    response = await client.post(
        "/api/v1/events",
        json={"events": [started, assigned, message]},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert response.status == 200, await response.text()


@pytest.fixture
async def ada(
    client: TestClient[Any, Any],
    connect_widget: Connect,
    api_keys: dict[str, str],
    genesys_world: GenesysWorld,
) -> Widget:
    """Ada signed in, her widget showing conversation c-1 where she is the agent."""
    session = await sign_in(client)
    await genesys_conversation(client, api_keys["acme"], genesys_world, "c-1", "u-ada")
    widget = await connect_widget(token=session["token"])
    assert (await widget.call("join", {"conversation_id": "c-1"}))["ok"]
    return widget


def sent_texts(world: GenesysWorld, conversation_id: str) -> list[str]:
    return [
        message["textBody"]
        for message in world.messages.values()
        if message["conversationId"] == conversation_id and message["direction"] == "outbound"
    ]


async def test_a_suggested_reply_arrives_in_the_genesys_conversation(
    ada: Widget, genesys_world: GenesysWorld
) -> None:
    ack = await ada.call(
        "reply.send",
        {"conversation_id": "c-1", "text": "Your parcel is on its way.", "request_id": "req-0001"},
    )
    assert ack["ok"], ack
    assert sent_texts(genesys_world, "c-1") == ["Your parcel is on its way."]
    assert ack["message_id"] in genesys_world.messages


async def test_a_retried_send_posts_once(ada: Widget, genesys_world: GenesysWorld) -> None:
    payload = {"conversation_id": "c-1", "text": "Sorry for the wait.", "request_id": "req-0002"}
    first = await ada.call("reply.send", payload)
    again = await ada.call("reply.send", payload)
    assert first == again
    assert sent_texts(genesys_world, "c-1") == ["Sorry for the wait."]


async def test_notes_are_saved_as_the_agents_wrap_up(
    ada: Widget, genesys_world: GenesysWorld
) -> None:
    ack = await ada.call(
        "notes.save",
        {
            "conversation_id": "c-1",
            "text": "Parcel re-sent; refund offered.",
            "request_id": "notes-0001",
        },
    )
    assert ack["ok"], ack
    [agent] = [
        p for p in genesys_world.conversations["c-1"]["participants"] if p["purpose"] == "agent"
    ]
    assert agent["wrapup"] == {
        "code": None,
        "notes": "Parcel re-sent; refund offered.",
        "provisional": True,
    }


async def test_an_agent_cannot_send_into_another_agents_conversation(
    ada: Widget, client: TestClient[Any, Any], api_keys: dict[str, str], genesys_world: GenesysWorld
) -> None:
    # Cuecard saw c-2 assigned to Ada, but Genesys has since moved it to Bob: the platform
    # itself refuses her reply.
    await genesys_conversation(
        client, api_keys["acme"], genesys_world, "c-2", "u-bob", assigned_in_cuecard="u-ada"
    )
    assert (await ada.call("join", {"conversation_id": "c-2"}))["ok"]
    ack = await ada.call(
        "reply.send", {"conversation_id": "c-2", "text": "Hi", "request_id": "req-0003"}
    )
    assert ack["error"]["code"] == "forbidden"
    assert ack["error"]["field"] == "conversation_id"
    assert sent_texts(genesys_world, "c-2") == []


async def test_an_agent_of_another_tenant_reaches_nothing(
    ada: Widget, connect_widget: Connect, genesys_world: GenesysWorld
) -> None:
    intruder = await connect_widget(tenant="globex", agent="u-ada")
    joined = await intruder.call("join", {"conversation_id": "c-1"})
    ack = await intruder.call(
        "reply.send", {"conversation_id": "c-1", "text": "Hi", "request_id": "req-0004"}
    )
    assert joined["error"]["code"] == "not_assigned"  # globex's c-1 is not Ada's
    assert not ack["ok"]
    assert sent_texts(genesys_world, "c-1") == []


async def test_sending_needs_the_conversation_joined(
    ada: Widget, genesys_world: GenesysWorld
) -> None:
    ack = await ada.call(
        "reply.send", {"conversation_id": "c-9", "text": "Hi", "request_id": "req-0005"}
    )
    assert ack["error"] == {
        "code": "forbidden",
        "message": "join the conversation first",
        "field": "conversation_id",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"conversation_id": "c-1", "text": "Hi"}, "request_id"),
        ({"conversation_id": "c-1", "text": " ", "request_id": "req-0006"}, "text"),
        ({"conversation_id": "c-1", "text": "x" * 2001, "request_id": "req-0006"}, "text"),
        ({"conversation_id": "c-1", "text": "Hi", "request_id": "no spaces!"}, "request_id"),
    ],
)
async def test_a_bad_request_names_the_field_and_sends_nothing(
    ada: Widget, genesys_world: GenesysWorld, payload: dict[str, str], field: str
) -> None:
    ack = await ada.call("reply.send", payload)
    assert ack["error"]["field"] == field
    assert (await ada.next("error"))["field"] == field
    assert sent_texts(genesys_world, "c-1") == []


async def test_an_expired_genesys_token_asks_the_agent_to_sign_in_again(
    ada: Widget, genesys_world: GenesysWorld
) -> None:
    for value, token in list(genesys_world.tokens.items()):
        if token.user_id == "u-ada":
            genesys_world.expire(value)
    ack = await ada.call(
        "reply.send", {"conversation_id": "c-1", "text": "Hi", "request_id": "req-0007"}
    )
    assert ack["error"]["code"] == "platform_session_expired"
    assert "sign in again" in ack["error"]["message"]
    assert sent_texts(genesys_world, "c-1") == []


async def test_a_burst_of_actions_is_refused(ada: Widget, genesys_world: GenesysWorld) -> None:
    acks = [
        await ada.call(
            "reply.send", {"conversation_id": "c-1", "text": f"n{i}", "request_id": f"burst-{i:03}"}
        )
        for i in range(11)
    ]
    assert [ack["ok"] for ack in acks] == [True] * 10 + [False]
    assert acks[-1]["error"]["code"] == "rate_limited"
    assert len(sent_texts(genesys_world, "c-1")) == 10


async def test_a_genesys_token_near_expiry_is_renewed_with_its_refresh_token(
    client: TestClient[Any, Any],
    connect_widget: Connect,
    api_keys: dict[str, str],
    genesys_world: GenesysWorld,
) -> None:
    # Tokens that live 60 s are inside the renewal margin from the start.
    genesys_world.token_ttl = 60
    session = await sign_in(client)
    await genesys_conversation(client, api_keys["acme"], genesys_world, "c-1", "u-ada")
    widget = await connect_widget(token=session["token"])
    await widget.call("join", {"conversation_id": "c-1"})
    ack = await widget.call(
        "reply.send", {"conversation_id": "c-1", "text": "Hello", "request_id": "req-0100"}
    )
    assert ack["ok"], ack
    ada_tokens = [token for token in genesys_world.tokens.values() if token.user_id == "u-ada"]
    assert len(ada_tokens) == 2
    assert sent_texts(genesys_world, "c-1") == ["Hello"]
