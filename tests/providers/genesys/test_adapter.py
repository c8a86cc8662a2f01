"""The adapter against the Genesys double: channel lifecycle and a conversation end to end."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from providers.base import ConnectionState
from providers.genesys import GenesysAdapter
from providers.models import (
    AgentAssigned,
    ConversationEnded,
    ConversationStarted,
    MediaType,
    Message,
    ParticipantHeld,
    ParticipantResumed,
    Speaker,
)
from tests.doubles.genesys.messaging import WebMessaging
from tests.doubles.genesys.world import GenesysWorld
from tests.fixtures.adapters import running

from .conftest import FAST, QUEUE, settings_for


async def test_subscribes_the_queue_topics_on_one_connected_channel(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)):
        channel = world.channels.only_live()
        assert {topic: entity["state"] for topic, entity in channel.topics.items()} == {
            f"v2.routing.queues.{QUEUE}.conversations": "Permitted",
            f"v2.routing.queues.{QUEUE}.conversations.messages": "Permitted",
        }


async def test_a_web_messaging_conversation_becomes_canonical_events(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = WebMessaging(world, "conv-1", queue_id=QUEUE)
        chat.arrive()
        started = await run.next()
        chat.customer_says("my router keeps dropping")
        first = await run.next()
        chat.assign("user-1")
        assigned = await run.next()
        chat.agent_says("Let me check that for you")
        reply = await run.next()
        chat.hold()
        held = await run.next()
        chat.resume()
        resumed = await run.next()
        chat.end()
        ended = await run.next()

    assert isinstance(started, ConversationStarted)
    assert (started.conversation_id, started.queue, started.media) == (
        "conv-1",
        QUEUE,
        MediaType.MESSAGE,
    )
    assert isinstance(first, Message)
    assert (first.speaker, first.text, first.queue) == (
        Speaker.CUSTOMER,
        "my router keeps dropping",
        QUEUE,
    )
    assert isinstance(assigned, AgentAssigned)
    assert (assigned.agent_id, assigned.queue) == ("user-1", QUEUE)
    assert isinstance(reply, Message)
    assert (reply.speaker, reply.text) == (Speaker.AGENT, "Let me check that for you")
    assert isinstance(held, ParticipantHeld)
    assert held.participant_id == "conv-1-cust"
    assert isinstance(resumed, ParticipantResumed)
    assert isinstance(ended, ConversationEnded)
    assert run.events.empty()
    assert {e.tenant_id for e in (started, first, assigned, reply, held, resumed, ended)} == {
        "acme"
    }


async def test_watch_user_subscribes_the_agents_topics_on_the_live_channel(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    async with running(adapter):
        await adapter.watch_user("user-9")
        topics = set(world.channels.only_live().topics)
    assert {"v2.users.user-9.conversations", "v2.users.user-9.conversations.messages"} <= topics


async def test_close_unsubscribes_and_reports_stopped(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    async with running(adapter) as run:
        channel = world.channels.only_live()
    assert channel.topics == {}
    assert run.statuses[-1].state is ConnectionState.STOPPED


async def test_topics_beyond_1000_go_to_a_second_channel(
    world: GenesysWorld, double: TestServer
) -> None:
    queues = [f"queue-{n}" for n in range(600)]
    async with running(GenesysAdapter(settings_for(double, queue_ids=queues), timings=FAST)):
        sizes = sorted(len(channel.topics) for channel in world.channels.live())
    assert sizes == [200, 1000]


async def test_admin_mapped_queues_are_followed_besides_the_configured_ones(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(
        settings_for(double, queue_ids=[QUEUE]), queues=["q-mapped"], timings=FAST
    )
    async with running(adapter):
        channel = world.channels.only_live()
        watched = sorted(topic.split(".")[3] for topic in channel.topics)
    assert watched == sorted([QUEUE, QUEUE, "q-mapped", "q-mapped"])


async def test_a_rejected_topic_is_skipped_and_the_rest_still_flow(
    world: GenesysWorld, double: TestServer
) -> None:
    world.channels.denied["v2.routing.queues.secret-queue.conversations"] = ["routing:queue:view"]
    settings = settings_for(double, queue_ids=[QUEUE, "secret-queue"])
    async with running(GenesysAdapter(settings, timings=FAST)) as run:
        WebMessaging(world, "conv-1", queue_id=QUEUE).arrive()
        started = await run.next()
    assert started.conversation_id == "conv-1"


async def test_a_notification_that_fails_to_map_is_skipped_and_the_next_one_mapped(
    world: GenesysWorld, double: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        topic = f"v2.routing.queues.{QUEUE}.conversations"
        world.channels.publish(topic, {"id": " ", "participants": []})  # a blank id is invalid
        world.channels.publish(topic, {"participants": []})  # no conversation at all
        WebMessaging(world, "conv-1", queue_id=QUEUE).arrive()
        first = await run.next()
    assert (first.conversation_id, first.kind) == ("conv-1", "conversation.started")
    assert "Genesys notification could not be mapped" in caplog.text


async def test_without_queues_it_still_connects_and_follows_agents_as_they_log_in(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(settings_for(double, queue_ids=[]), timings=FAST)
    async with running(adapter) as run:
        await adapter.watch_user("user-1")
        chat = WebMessaging(world, "conv-1", queue_id=QUEUE)
        chat.arrive()
        chat.assign("user-1")  # now published on the agent's topics too
        started, assigned = await run.take(2)
    assert (started.kind, assigned.kind) == ("conversation.started", "agent.assigned")
    assert started.queue == QUEUE
