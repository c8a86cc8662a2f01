"""The adapter against the Genesys double: a voice call's speech, followed while it lasts."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import pytest
from aiohttp.test_utils import TestServer

from providers.genesys import GenesysAdapter
from providers.models import (
    AgentAssigned,
    ConversationEnded,
    ConversationStarted,
    MediaType,
    Speaker,
    Transcript,
)
from tests.doubles.genesys.messaging import WebMessaging
from tests.doubles.genesys.voice import VoiceCall, utterance
from tests.doubles.genesys.world import GenesysWorld
from tests.fixtures.adapters import running
from tests.fixtures.waiting import eventually

from .conftest import FAST, QUEUE, Running, settings_for

SPEECH = "v2.conversations.call-1.transcription"


def subscribed(world: GenesysWorld) -> set[str]:
    """The topics of the one connected channel."""
    return set(world.channels.only_live().topics)


async def test_a_call_is_transcribed_while_it_lasts_and_then_unfollowed(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running_adapter(double) as run:
        call = VoiceCall(world, "call-1", queue_id=QUEUE)
        call.arrive()
        started = await run.next()
        assert SPEECH in subscribed(world)
        call.assign("user-1")
        assigned = await run.next()
        call.hear(
            [
                utterance("u-1", "EXTERNAL", "my router keeps", final=False),
                utterance("u-1", "EXTERNAL", "my router keeps dropping"),
                utterance("u-2", "INTERNAL", "let me check the line"),
            ]
        )
        partial, customer, agent = await run.take(3)
        call.end()
        ended = await run.next()

        # Unfollowed once the consumer took the end (and asked for more).
        async def unfollowed() -> bool:
            return SPEECH not in subscribed(world)

        await eventually(unfollowed, what="the speech topic unsubscribed")
        after = subscribed(world)

    assert isinstance(started, ConversationStarted)
    assert started.media is MediaType.VOICE
    assert isinstance(assigned, AgentAssigned)
    assert isinstance(partial, Transcript)
    assert not partial.is_final
    assert isinstance(customer, Transcript)
    assert isinstance(agent, Transcript)
    assert [(e.speaker, e.text, e.is_final, e.queue) for e in (customer, agent)] == [
        (Speaker.CUSTOMER, "my router keeps dropping", True, QUEUE),
        (Speaker.AGENT, "let me check the line", True, QUEUE),
    ]
    assert isinstance(ended, ConversationEnded)
    assert SPEECH not in after
    assert f"v2.routing.queues.{QUEUE}.conversations" in after
    assert run.events.empty()


async def test_speech_follows_the_call_onto_a_reopened_channel(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running_adapter(double) as run:
        call = VoiceCall(world, "call-1", queue_id=QUEUE)
        call.arrive()
        await run.next()
        world.channels.drop(world.channels.only_live().id)

        async def reopened() -> bool:
            live = world.channels.live()
            return len(live) == 1 and SPEECH in live[0].topics

        await eventually(reopened, what="the call's speech subscribed on a new channel")
        call.customer_says("mobile data is not working abroad")
        line = await run.next()

    assert isinstance(line, Transcript)
    assert (line.speaker, line.text) == (Speaker.CUSTOMER, "mobile data is not working abroad")


async def test_a_messaging_conversation_subscribes_no_speech(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running_adapter(double) as run:
        WebMessaging(world, "chat-1", queue_id=QUEUE).arrive()
        started = await run.next()
        topics = subscribed(world)

    assert isinstance(started, ConversationStarted)
    assert started.media is MediaType.MESSAGE
    assert not any(topic.endswith(".transcription") for topic in topics)


def running_adapter(double: TestServer) -> AbstractAsyncContextManager[Running]:
    """The adapter listening to the double in the background."""
    return running(GenesysAdapter(settings_for(double), timings=FAST))


async def test_a_call_spilling_onto_a_second_channel_leaves_it_empty_when_it_ends(
    world: GenesysWorld, double: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two topics per channel: the queue's two fill the first, the call's speech opens another.
    monkeypatch.setattr("providers.genesys._channels.TOPICS_PER_CHANNEL", 2)
    async with running_adapter(double) as run:
        call = VoiceCall(world, "call-1", queue_id=QUEUE)
        call.arrive()
        await run.next()

        async def spilled() -> bool:
            return any(set(c.topics) == {SPEECH} for c in world.channels.live())

        await eventually(spilled, what="the call's speech on a channel of its own")
        call.customer_says("my router keeps dropping")
        line = await run.next()
        call.end()
        await run.next()

        async def emptied() -> bool:
            return not any(SPEECH in c.topics for c in world.channels.live())

        await eventually(emptied, what="the speech topic unsubscribed")
        topics = sorted(sorted(c.topics) for c in world.channels.live())

    assert isinstance(line, Transcript)
    assert line.text == "my router keeps dropping"
    assert topics == [
        [],
        [
            f"v2.routing.queues.{QUEUE}.conversations",
            f"v2.routing.queues.{QUEUE}.conversations.messages",
        ],
    ]
    assert (
        "DELETE",
        f"/api/v2/notifications/channels/{world.channels.created[-1]}/subscriptions",
    ) in world.requests
