"""A server with a Salesforce integration against the double, and the agent's widget."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from providers.registry import PLATFORMS
from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from tests.doubles.salesforce.world import SalesforceWorld
from tests.fixtures.app import Widget
from tests.fixtures.salesforce import AGENT_ID, fast_manifest, host_message, integration_body


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def integration_settings() -> dict[str, Any]:
    """Overrides of the integration's settings; tests change the budget through it."""
    return {}


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
    salesforce_double: TestServer,
    integration_settings: dict[str, Any],
) -> TestClient[Any, Any]:
    """The seeded server; acme has a Salesforce integration against the double."""
    client = await aiohttp_client(
        create_app(settings, platforms={**PLATFORMS, "salesforce": fast_manifest()})
    )
    body = integration_body(salesforce_double, **integration_settings)
    created = await client.post("/api/v1/integrations", json=body, headers=auth(api_keys["acme"]))
    assert created.status == 201, await created.text()
    return client


@dataclass
class Conversation:
    """A Messaging Session on a Case in the double, and the agent's widget framed beside it."""

    world: SalesforceWorld
    widget: Widget
    session_id: str
    case_id: str
    snapshot: dict[str, Any] = field(default_factory=dict)

    async def hand_in(self, kind: str, **fields: Any) -> dict[str, Any]:
        """What the component posts, forwarded by the widget as ``bridge.event``."""
        message = host_message(kind, self.session_id, **fields)
        ack: dict[str, Any] = await self.widget.call(
            "bridge.event", {"platform": "salesforce", "message": message}
        )
        assert ack["ok"], ack
        return ack

    def tasks(self) -> list[dict[str, Any]]:
        """The Tasks written on this conversation's Case."""
        rows = self.world.records.get("Task", {}).values()
        return [row for row in rows if row["WhatId"] == self.case_id]


def new_session(world: SalesforceWorld, queue: str | None = "Billing") -> tuple[str, str]:
    """A Case and a Messaging Session on it, routed by Omni-Channel from ``queue``."""
    case_id = world.insert("Case", Subject="Customer chat")
    session_id = world.insert("MessagingSession", CaseId=case_id, OwnerId=AGENT_ID)
    if queue is not None:
        group = world.insert("Group", Name=queue, DeveloperName=queue, Type="Queue")
        world.insert(
            "AgentWork",
            WorkItemId=session_id,
            OriginalQueueId=group,
            UserId=AGENT_ID,
            CreatedDate="2026-11-21T10:00:01.000+0000",
        )
    return session_id, case_id


async def open_conversation(
    world: SalesforceWorld, widget: Widget, queue: str | None
) -> Conversation:
    """A new Messaging Session the agent's component reports, then their widget joins."""
    session_id, case_id = new_session(world, queue)
    conversation = Conversation(world, widget, session_id, case_id)
    # Agents join only conversations assigned to them, or that their own desktop reported.
    await conversation.hand_in("context")
    await widget.call("join", {"conversation_id": session_id})
    conversation.snapshot = await widget.next("snapshot")
    return conversation


@pytest.fixture
async def conversation(
    client: TestClient[Any, Any],
    salesforce_world: SalesforceWorld,
    connect_widget: Callable[..., Awaitable[Widget]],
) -> Conversation:
    """A conversation the agent's component reported (its context) and their widget joined."""
    widget = await connect_widget("acme", AGENT_ID)
    return await open_conversation(salesforce_world, widget, "Billing")


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until ``check()`` holds (the writer runs in the background)."""
    async with asyncio.timeout(within):
        while True:
            if check():
                return
            await asyncio.sleep(0.02)


def tokens_for(settings: Settings) -> TokenService:
    assert settings.secret_key is not None
    return TokenService(settings.secret_key, settings.token_ttl_seconds)
