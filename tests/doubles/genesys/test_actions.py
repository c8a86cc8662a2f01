"""The double's agent actions accept only the owning agent's user token and a valid body."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.doubles.genesys.actions import web_messaging_conversation
from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.world import GenesysWorld, User

SEND = "/api/v2/conversations/messages/c-1/communications/c-1-comm-agent/messages"
WRAPUP = (
    "/api/v2/conversations/messages/c-1/participants/c-1-agent/communications/c-1-comm-agent/wrapup"
)


@pytest.fixture
def world() -> GenesysWorld:
    world = GenesysWorld(
        users={
            "u-1": User("u-1", "Ada Agent", "ada@acme.example"),
            "u-2": User("u-2", "Bob Other", "bob@acme.example"),
        }
    )
    world.conversations["c-1"] = web_messaging_conversation("c-1", "u-1")
    return world


@pytest.fixture
async def double(aiohttp_client: Any, world: GenesysWorld) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = await aiohttp_client(create_double(world))
    return client


def bearer(world: GenesysWorld, user_id: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.issue_token('agent-app', user_id).value}"}


async def test_the_agent_sends_a_message(double: TestClient[Any, Any], world: GenesysWorld) -> None:
    response = await double.post(SEND, json={"textBody": "Hello!"}, headers=bearer(world, "u-1"))
    body = await response.json()
    assert response.status == 200
    assert world.messages[body["id"]]["textBody"] == "Hello!"
    assert world.messages[body["id"]]["conversationId"] == "c-1"


@pytest.mark.parametrize("body", [{}, {"textBody": ""}, {"textBody": "x" * 2001}, ["x"]])
async def test_a_bad_message_body_is_refused(
    double: TestClient[Any, Any], world: GenesysWorld, body: Any
) -> None:
    response = await double.post(SEND, json=body, headers=bearer(world, "u-1"))
    assert response.status == 400
    assert world.messages == {}


@pytest.mark.parametrize("user_id", ["u-2", None])
async def test_only_the_owning_agent_may_send(
    double: TestClient[Any, Any], world: GenesysWorld, user_id: str | None
) -> None:
    response = await double.post(SEND, json={"textBody": "Hi"}, headers=bearer(world, user_id))
    assert response.status == 403
    assert world.messages == {}


async def test_wrapup_notes_are_stored_on_the_agent_participant(
    double: TestClient[Any, Any], world: GenesysWorld
) -> None:
    body = {"notes": "Refund issued", "provisional": True}
    response = await double.post(WRAPUP, json=body, headers=bearer(world, "u-1"))
    assert response.status == 202
    agent = world.conversations["c-1"]["participants"][2]
    assert agent["wrapup"]["notes"] == "Refund issued"


async def test_wrapup_without_code_must_be_provisional(
    double: TestClient[Any, Any], world: GenesysWorld
) -> None:
    response = await double.post(WRAPUP, json={"notes": "x"}, headers=bearer(world, "u-1"))
    assert response.status == 400
