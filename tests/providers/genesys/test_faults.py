"""The adapter survives what Genesys does to long-lived sockets, without gaps or repeats."""

from __future__ import annotations

import asyncio
import copy
from contextlib import aclosing

from aiohttp.test_utils import TestServer

from providers.base import MAX_DELIVERY_ATTEMPTS, ConnectionState
from providers.genesys import GenesysAdapter
from providers.genesys.const import Timings
from providers.models import ConversationStarted, Message
from tests.doubles.genesys.messaging import WebMessaging
from tests.doubles.genesys.world import GenesysWorld
from tests.fixtures.adapters import running
from tests.fixtures.waiting import eventually

from .conftest import FAST, QUEUE, Running, settings_for


async def started_chat(world: GenesysWorld, run: Running, conversation_id: str) -> WebMessaging:
    """A conversation the adapter has seen start, so it tracks it."""
    chat = WebMessaging(world, conversation_id, queue_id=QUEUE)
    chat.arrive()
    assert isinstance(await run.next(), ConversationStarted)
    return chat


async def new_channel(world: GenesysWorld, known: int, within: float = 5.0) -> str:
    """The id of the next channel connected after the first ``known`` were created."""
    async with asyncio.timeout(within):
        while True:
            live = [c.id for c in world.channels.live() if c.id in world.channels.created[known:]]
            if live:
                return live[0]
            await asyncio.sleep(0.01)


def texts(events: list[object]) -> list[str]:
    return [event.text for event in events if isinstance(event, Message)]


def backfill_reads(world: GenesysWorld, conversation_id: str) -> int:
    return world.requests.count(("GET", f"/api/v2/conversations/{conversation_id}"))


async def test_dropped_socket_is_replaced_and_the_missed_message_delivered_once(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        chat.customer_says("first line")
        await run.next()
        known = len(world.channels.created)
        world.channels.drop(world.channels.only_live().id)
        chat.customer_says("said while the socket was down")

        await new_channel(world, known)
        missed = await run.next()
        chat.customer_says("after the reconnect")
        after = await run.next()

        reconnecting = await run.status(ConnectionState.RECONNECTING)
    assert texts([missed, after]) == ["said while the socket was down", "after the reconnect"]
    assert run.events.empty()
    assert reconnecting.last_error is not None
    assert "closed" in reconnecting.last_error
    assert run.statuses[-2].state is ConnectionState.CONNECTED


async def test_silent_socket_is_declared_dead_and_replaced(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        known = len(world.channels.created)
        silent = world.channels.only_live().id
        world.channels.silence(silent)
        chat.customer_says("nobody hears this on the silent socket")

        replacement = await new_channel(world, known)
        missed = await run.next()
        reconnecting = await run.status(ConnectionState.RECONNECTING)
    assert replacement != silent
    assert texts([missed]) == ["nobody hears this on the silent socket"]
    assert reconnecting.last_error == "no heartbeat for 0.4 s"


async def test_socket_closing_opens_a_new_channel_first_with_no_gap_and_no_repeat(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        known = len(world.channels.created)
        old = world.channels.only_live()
        world.channels.warn_closing(old.id, close_after=0.5)
        chat.customer_says("during the warning")
        await new_channel(world, known)
        # Both sockets are open now: the old one until it closes, the new one subscribed.
        chat.customer_says("while both are open")
        got = await run.take(2)
        await asyncio.sleep(0.6)
        chat.customer_says("after the old one closed")
        got.append(await run.next())

    assert texts(got) == ["during the warning", "while both are open", "after the old one closed"]
    assert run.events.empty()
    assert ConnectionState.RECONNECTING not in {s.state for s in run.statuses}
    assert backfill_reads(world, "conv-1") == 0
    assert old.id not in world.channels.channels or old.topics == {}


async def test_channel_is_renewed_before_it_expires(
    world: GenesysWorld, double: TestServer
) -> None:
    world.channels.channel_ttl = 1.0
    timings = FAST._replace(channel_renew_before=0.7)
    async with running(GenesysAdapter(settings_for(double), timings=timings)) as run:
        chat = await started_chat(world, run, "conv-1")
        first = world.channels.only_live().id
        await new_channel(world, len(world.channels.created))
        chat.customer_says("on the renewed channel")
        message = await run.next()
    assert texts([message]) == ["on the renewed channel"]
    assert first not in [c.id for c in world.channels.live()]
    assert ConnectionState.RECONNECTING not in {s.state for s in run.statuses}


async def test_expired_channel_is_replaced_and_backfilled(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        known = len(world.channels.created)
        world.channels.expire(world.channels.only_live().id)
        chat.customer_says("while the channel was gone")
        await new_channel(world, known)
        missed = await run.next()
    assert texts([missed]) == ["while the channel was gone"]


async def test_several_missed_messages_are_read_in_one_bulk_request(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        known = len(world.channels.created)
        world.channels.drop(world.channels.only_live().id)
        for text in ("one", "two", "three"):
            chat.customer_says(text)
        await new_channel(world, known)
        missed = await run.take(3)
    bulk = ("POST", "/api/v2/conversations/messages/conv-1/messages/bulk")
    assert texts(missed) == ["one", "two", "three"]
    assert world.requests.count(bulk) == 1
    assert not any(
        path.startswith("/api/v2/conversations/messages/conv-1/messages/m-")
        for _method, path in world.requests
    )


async def test_rate_limited_requests_wait_for_retry_after(
    world: GenesysWorld, double: TestServer
) -> None:
    world.rate_limit.limit_next(2, retry_after=1)
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        pass
    statuses = [status for status, _at in world.rate_limit.log]
    times = [at for _status, at in world.rate_limit.log]
    assert statuses[:3] == [429, 429, 200]
    assert times[1] - times[0] >= 0.99
    assert times[2] - times[1] >= 0.99
    assert ConnectionState.RECONNECTING not in {s.state for s in run.statuses}


async def test_expired_token_is_renewed_on_401(world: GenesysWorld, double: TestServer) -> None:
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    async with running(adapter):
        for token in list(world.tokens):
            world.expire(token)
        await adapter.watch_user("user-2")
        topics = set(world.channels.only_live().topics)
    assert "v2.users.user-2.conversations" in topics
    assert world.requests.count(("POST", "/oauth/token")) == 2


async def test_token_is_renewed_before_it_expires(world: GenesysWorld, double: TestServer) -> None:
    world.token_ttl = 3.0
    timings = FAST._replace(token_leeway=1.5)
    adapter = GenesysAdapter(settings_for(double), timings=timings)
    async with running(adapter):
        await asyncio.sleep(1.6)
        await adapter.watch_user("user-2")
    first, second = world.tokens.values()
    # The second token was fetched while the first was still good: renewal ahead of expiry.
    assert first.expires_at > second.expires_at - world.token_ttl
    channel = world.channels.created[-1]
    subscribe = ("POST", f"/api/v2/notifications/channels/{channel}/subscriptions")
    assert world.requests.index(subscribe) > world.requests.index(("POST", "/oauth/token"), 1)


async def test_refused_credentials_report_auth_failed_and_stop(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(settings_for(double, client_secret="wrong"), timings=FAST)
    async with running(adapter, connected=False) as run:
        failed = await run.status(ConnectionState.AUTH_FAILED)
        assert run.task is not None
        await asyncio.wait([run.task], timeout=5)
        error = run.task.exception()
    assert failed.last_error == (
        "Genesys refused the client credentials (invalid_client) — check client id and secret"
    )
    assert "wrong" not in failed.last_error
    assert type(error).__name__ == "ProviderAuthFailed"
    assert run.statuses[-1].state is ConnectionState.AUTH_FAILED  # closing did not hide it


async def test_unreachable_api_reports_reconnecting_and_keeps_trying(
    world: GenesysWorld, double: TestServer
) -> None:
    timings = Timings(backoff_initial=0.01, backoff_max=0.05)
    settings = settings_for(double, api_base_url="http://127.0.0.1:9")
    async with running(GenesysAdapter(settings, timings=timings), connected=False) as run:
        status = await run.status(ConnectionState.RECONNECTING)
        await asyncio.sleep(0.2)
        assert run.task is not None
        assert not run.task.done()
    assert status.last_error is not None
    assert status.last_error.startswith("cannot reach the Genesys API")


async def test_events_given_back_are_offered_again_and_ones_never_accepted_are_given_up(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    chat = WebMessaging(world, "conv-1", queue_id=QUEUE)
    seen: list[tuple[tuple[str, ...], str | None]] = []

    async def consume() -> None:
        async with aclosing(adapter.deliveries()) as deliveries:
            async for delivery in deliveries:
                rejected = str(delivery.rejected) if delivery.rejected else None
                seen.append((tuple(texts(list(delivery.events))), rejected))
                if "poison" in seen[-1][0]:
                    await delivery.nack()  # the pipeline fails on it, every time
                    continue
                await delivery.ack()
                if len(seen) == 1:
                    chat.customer_says("poison")
                elif rejected is not None:
                    chat.customer_says("after the poison")
                elif "after the poison" in seen[-1][0]:
                    return

    consumer = asyncio.create_task(consume())
    await new_channel(world, 0)

    async def subscribed() -> bool:
        return bool(world.channels.only_live().topics)

    await eventually(subscribed, what="the queue's topics subscribed")
    chat.arrive()
    try:
        await asyncio.wait_for(consumer, 10)
    finally:
        await adapter.aclose()

    # The same line is offered until given up (recorded as rejected by the consumer); then
    # the conversation goes on, and the given-up line is not offered again.
    assert seen[0] == ((), None)  # the start
    assert seen[1 : MAX_DELIVERY_ATTEMPTS + 1] == [(("poison",), None)] * MAX_DELIVERY_ATTEMPTS
    assert seen[MAX_DELIVERY_ATTEMPTS + 1] == (
        (),
        f"not accepted by the pipeline in {MAX_DELIVERY_ATTEMPTS} attempts",
    )
    assert seen[MAX_DELIVERY_ATTEMPTS + 2 :] == [(("after the poison",), None)]


async def test_a_frame_nested_too_deep_to_read_is_skipped_and_the_stream_goes_on(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        topic = f"v2.routing.queues.{QUEUE}.conversations"
        depth = 100_000
        body = '{"id": "conv-1", "participants": ' + "[" * depth + "]" * depth + "}"
        frame = '{"topicName": "' + topic + '", "eventBody": ' + body + "}"
        assert world.channels.send_raw(topic, frame) == 1
        chat.customer_says("after the deep frame")

        line = await run.next()
        assert isinstance(line, Message)
        assert line.text == "after the deep frame"
        assert run.statuses[-1].state is ConnectionState.CONNECTED


async def test_a_malformed_channel_answer_is_retried_and_reported_not_fatal(
    world: GenesysWorld, double: TestServer
) -> None:
    world.channels.broken_answers = 2
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")

    reconnecting = [s for s in run.statuses if s.state is ConnectionState.RECONNECTING]
    assert reconnecting
    assert reconnecting[0].last_error is not None
    assert "channel" in reconnecting[0].last_error
    assert chat.id == "conv-1"
    assert world.channels.broken_answers == 0


async def test_ids_in_a_notification_cannot_steer_the_adapters_api_calls(
    world: GenesysWorld, double: TestServer
) -> None:
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        body = copy.deepcopy(chat.body)
        detail = {"messageId": "../../../../../api/v2/users/me", "messageStatus": "received"}
        body["participants"][0]["messages"][0]["messages"] = [detail]
        before = len(world.requests)
        world.channels.publish(f"v2.routing.queues.{QUEUE}.conversations", body)
        message_id = chat.customer_says("after the odd id")
        line = await run.next()

    assert isinstance(line, Message)
    assert line.text == "after the odd id"
    # The id stays one path segment under the conversation's messages, whatever it says.
    paths = [path for _method, path in world.requests[before:]]
    read = [path for path in paths if not path.startswith("/api/v2/notifications/")]
    assert read == [f"/api/v2/conversations/messages/conv-1/messages/{message_id}"]


async def test_an_answer_nobody_foresaw_reopens_the_channel_instead_of_leaving_it_dead(
    world: GenesysWorld, double: TestServer
) -> None:
    world.channels.broken_listings = 1
    async with running(GenesysAdapter(settings_for(double), timings=FAST)) as run:
        chat = await started_chat(world, run, "conv-1")
        chat.customer_says("the channel works")
        line = await run.next()

    assert isinstance(line, Message)
    assert line.text == "the channel works"
    reconnecting = [s for s in run.statuses if s.state is ConnectionState.RECONNECTING]
    assert [s.last_error for s in reconnecting] == ["channel failed (AttributeError)"]
    assert world.channels.broken_listings == 0
