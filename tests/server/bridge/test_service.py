"""What DesktopBridges does with what a platform's bridge answers: refusals, and events that
stray outside the session's tenant or platform, never reach the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict

from providers.base import BridgeContext, Capability, Manifest, ProviderSettings
from providers.errors import BridgeRefused, PayloadInvalid
from providers.models import Event, Message
from server.auth.tokens import AgentIdentity
from server.bridge.platforms import EnabledPlatforms
from server.bridge.service import DesktopBridges
from server.errors import CuecardError
from server.ingest.pipeline import Outcome
from server.state.memory import MemoryState

ADA = AgentIdentity(tenant_id="acme", agent_id="ada", expires_at=2**40)


class DeskMessage(BaseModel):
    """A made-up desktop's message: what it says, and what the test wants its bridge to do."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str
    text: str
    behave: Literal["map", "refuse", "unmappable", "other_tenant", "other_platform"] = "map"


class DeskBridge:
    """A bridge that maps, refuses or misbehaves as each message asks."""

    message_model = DeskMessage

    def to_events(self, message: DeskMessage, context: BridgeContext) -> list[Event]:
        if message.behave == "refuse":
            raise BridgeRefused("the desktop's agent is not the signed-in agent")
        if message.behave == "unmappable":
            raise PayloadInvalid("the desktop sent a message without a sender")
        tenant = "globex" if message.behave == "other_tenant" else context.tenant_id
        platform = "other" if message.behave == "other_platform" else "desk"
        return [
            Message(
                tenant_id=tenant,
                provider=platform,
                provider_event_id=f"{message.conversation_id}:{message.text}",
                conversation_id=message.conversation_id,
                occurred_at=datetime.now(UTC),
                speaker="customer",
                text=message.text,
            )
        ]


class DeskSettings(ProviderSettings):
    """The made-up desktop needs nothing but the tenant."""


DESK = Manifest(
    name="desk",
    display_name="Desk",
    settings=DeskSettings,
    capabilities=frozenset({Capability.DESKTOP_BRIDGE}),
    bridge=DeskBridge(),
    storable=False,
)


class Received:
    """The end of the line: events that made it through, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def process(self, event: Event) -> Outcome:
        self.events.append(event)
        return Outcome.PROCESSED


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
def bridges(received: Received) -> DesktopBridges:
    async def nothing_stored(tenant_id: str, platform: str) -> ProviderSettings | None:
        return None

    platforms = EnabledPlatforms(
        {"desk": DESK}, stored=nothing_stored, local={"desk": [DeskSettings(tenant_id="acme")]}
    )
    state = MemoryState(dedup_ttl_seconds=60, max_lines=10)
    return DesktopBridges(platforms=platforms, state=state, pipeline=received)


def desk(behave: str) -> dict[str, Any]:
    return {
        "platform": "desk",
        "message": {"conversation_id": "c-1", "text": "hi", "behave": behave},
    }


async def test_a_mapped_message_reaches_the_pipeline(
    bridges: DesktopBridges, received: Received
) -> None:
    ack = await bridges.report("sid-1", ADA, desk("map"))
    assert ack["accepted"] == 1
    assert [(e.tenant_id, e.provider, e.text) for e in received.events] == [("acme", "desk", "hi")]


@pytest.mark.parametrize(
    ("behave", "code"),
    [
        ("refuse", "bridge_refused"),
        ("unmappable", "invalid_input"),
        ("other_tenant", "forbidden"),
        ("other_platform", "forbidden"),
    ],
)
async def test_refused_or_stray_events_never_reach_the_pipeline(
    bridges: DesktopBridges, received: Received, behave: str, code: str
) -> None:
    with pytest.raises(CuecardError) as refused:
        await bridges.report("sid-1", ADA, desk(behave))
    assert (refused.value.code, refused.value.field) == (code, "message")
    assert received.events == []


async def test_a_tenant_the_server_does_not_run_the_desktop_for_is_refused(
    bridges: DesktopBridges, received: Received
) -> None:
    globex = AgentIdentity(tenant_id="globex", agent_id="gil", expires_at=2**40)
    with pytest.raises(CuecardError) as refused:
        await bridges.report("sid-2", globex, desk("map"))
    assert (refused.value.code, refused.value.field) == ("forbidden", "platform")
    assert received.events == []
