"""The pull subscriber against Google's Pub/Sub emulator: what is acknowledged, and when."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from providers.errors import PayloadInvalid, ProviderConfigError
from providers.google_ccai import GoogleCcaiAdapter, PubsubDelivery
from providers.google_ccai import adapter as adapter_module
from providers.google_ccai.const import GIVE_BACK_SECONDS
from providers.models import ConversationStarted, ExternalSuggestions, Speaker, Transcript
from tests.fixtures.pubsub import PROJECT, PubsubWorld, WireLog
from tests.providers.google_ccai.conftest import ccai_settings, fixture_bytes, fixture_json

# Only a failsafe: every wait below ends as soon as the message it waits for arrives.
ARRIVAL_SECONDS = 60
KEY = "gc-5f1b7c2e-conv"

Adapters = Callable[..., GoogleCcaiAdapter]


@pytest.fixture
def wire(pubsub: PubsubWorld, monkeypatch: pytest.MonkeyPatch) -> WireLog:
    """What the adapters' subscriber clients send the emulator (the calls still go through)."""
    log = WireLog()
    monkeypatch.setattr(adapter_module, "open_subscriber", lambda _: log.subscriber(pubsub.host))
    return log


@pytest.fixture
async def adapters(pubsub: PubsubWorld, wire: WireLog) -> AsyncIterator[Adapters]:
    """Builds adapters on the test's subscription; closes them all at the end."""
    made: list[GoogleCcaiAdapter] = []

    def make(**changes: Any) -> GoogleCcaiAdapter:
        base = {
            "project_id": PROJECT,
            "subscriptions": [pubsub.subscription],
            "emulator_host": pubsub.host,
        }
        settings = ccai_settings(**{**base, **changes})
        made.append(GoogleCcaiAdapter(settings))
        return made[-1]

    yield make
    for adapter in made:
        await adapter.aclose()


async def take(deliveries: AsyncIterator[PubsubDelivery]) -> PubsubDelivery:
    return await asyncio.wait_for(anext(deliveries), ARRIVAL_SECONDS)


def message_with(content: str, message_id: str) -> bytes:
    data = fixture_json("new_message_end_user.json")
    payload = data["newMessagePayload"]
    payload["content"] = content
    payload["name"] = payload["name"].rsplit("/", 1)[0] + f"/{message_id}"
    return json.dumps(data).encode()


async def test_a_published_conversation_arrives_in_order(
    pubsub: PubsubWorld, adapters: Adapters
) -> None:
    deliveries = adapters().deliveries()
    for name in ("conversation_started.json", "new_message_end_user.json"):
        await pubsub.publish(fixture_bytes(name), ordering_key=KEY)
    await pubsub.publish(fixture_bytes("suggestions_articles_faq.json"), ordering_key=KEY)

    received = []
    for _ in range(3):
        delivery = await take(deliveries)
        received.extend(delivery.events)
        await delivery.ack()

    started, line, cards = received
    assert isinstance(started, ConversationStarted)
    assert isinstance(line, Transcript)
    assert line.speaker is Speaker.CUSTOMER
    assert isinstance(cards, ExternalSuggestions)
    assert [event.conversation_id for event in received] == ["5f1b7c2e-conv"] * 3


async def test_a_message_given_back_is_delivered_again(
    pubsub: PubsubWorld, adapters: Adapters, wire: WireLog
) -> None:
    adapter = adapters()
    deliveries = adapter.deliveries()
    await pubsub.publish(fixture_bytes("new_message_end_user.json"))

    first = await take(deliveries)
    await first.nack()
    again = await take(deliveries)

    assert again.message_id == first.message_id
    assert again.events == first.events
    await again.ack()
    assert (adapter.counts.given_back, adapter.counts.acknowledged) == (1, 1)
    assert await wire.wait_for(lambda: len(wire.acked) == 1)
    assert len(wire.given_back(0)) == 1


async def test_after_a_nack_a_conversation_keeps_its_order(
    pubsub: PubsubWorld, adapters: Adapters
) -> None:
    deliveries = adapters().deliveries()
    await pubsub.publish(message_with("first line", "m-1"), ordering_key=KEY)
    await pubsub.publish(message_with("second line", "m-2"), ordering_key=KEY)

    first = await take(deliveries)
    await first.nack()
    texts = []
    for _ in range(2):
        delivery = await take(deliveries)
        texts.append(delivery.events[0].text)
        await delivery.ack()

    assert texts == ["first line", "second line"]


async def test_the_next_message_of_a_conversation_waits_for_the_ack(
    pubsub: PubsubWorld, adapters: Adapters
) -> None:
    adapter = adapters(max_outstanding=10)
    deliveries = adapter.deliveries()
    await pubsub.publish(message_with("first line", "m-1"), ordering_key=KEY)
    await pubsub.publish(message_with("second line", "m-2"), ordering_key=KEY)

    first = await take(deliveries)
    # Ordered delivery: the library holds the second back until the first is settled.
    await asyncio.sleep(1)
    assert adapter.counts.pending == 1
    await first.ack()
    second = await take(deliveries)

    assert second.events[0].text == "second line"


async def test_flow_control_bounds_what_is_held(pubsub: PubsubWorld, adapters: Adapters) -> None:
    adapter = adapters(max_outstanding=2)
    deliveries = adapter.deliveries()
    for number in range(5):
        await pubsub.publish(message_with(f"line {number}", f"m-{number}"))

    held = [await take(deliveries), await take(deliveries)]
    await asyncio.sleep(1)  # room for a third to arrive, were flow control not applied
    assert adapter.counts.pending == 2
    for delivery in held:
        await delivery.ack()
    for _ in range(3):
        await (await take(deliveries)).ack()

    assert adapter.counts.acknowledged == 5


async def test_closing_gives_back_what_was_not_accepted(
    pubsub: PubsubWorld, adapters: Adapters, wire: WireLog
) -> None:
    # Taken and never acknowledged, both would stay leased for ten minutes unless closing
    # gave them back. (The emulator's redelivery after a stream closes is erratic, so the
    # wire shows it: their deadline is cut to a few seconds, and neither is acknowledged.)
    adapter = adapters(redeliver_after_seconds=600)
    deliveries = adapter.deliveries()
    await pubsub.publish(message_with("in flight", "m-1"))
    await pubsub.publish(message_with("queued", "m-2"))
    await take(deliveries)
    assert await wire.wait_for(lambda: adapter.counts.pending == 2)
    await adapter.aclose()

    assert len(set(wire.given_back(GIVE_BACK_SECONDS))) == 2
    assert wire.acked == []
    assert (adapter.counts.acknowledged, adapter.counts.given_back) == (0, 2)


async def test_a_message_is_acknowledged_only_when_the_consumer_says_so(
    pubsub: PubsubWorld, adapters: Adapters, wire: WireLog
) -> None:
    deliveries = adapters().deliveries()
    await pubsub.publish(message_with("still working on it", "m-1"))
    await pubsub.publish(message_with("done with", "m-2"))
    first, second = await take(deliveries), await take(deliveries)

    await second.ack()
    assert await wire.wait_for(lambda: len(wire.acked) == 1)
    await first.ack()

    assert await wire.wait_for(lambda: len(wire.acked) == 2)
    assert wire.given_back(0) == []


async def test_poison_is_reported_and_acknowledged_not_redelivered(
    pubsub: PubsubWorld, adapters: Adapters
) -> None:
    adapter = adapters()
    deliveries = adapter.deliveries()
    await pubsub.publish(b"\x00\x01 not json", ordering_key=KEY)
    await pubsub.publish(fixture_bytes("new_message_end_user.json"), ordering_key=KEY)

    poison = await take(deliveries)
    assert isinstance(poison.rejected, PayloadInvalid)
    assert poison.events == ()
    await poison.ack()
    # Ordered: the next message of the conversation comes only once the poison is settled.
    good = await take(deliveries)

    assert good.rejected is None
    assert adapter.counts.rejected == 1


async def test_unknown_types_are_dropped_counted_and_acknowledged(
    pubsub: PubsubWorld, adapters: Adapters
) -> None:
    adapter = adapters()
    deliveries = adapter.deliveries()
    await pubsub.publish(fixture_bytes("unknown_type.json"), ordering_key=KEY)
    await pubsub.publish(fixture_bytes("new_message_end_user.json"), ordering_key=KEY)

    delivery = await take(deliveries)

    assert isinstance(delivery.events[0], Transcript)
    assert adapter.counts.unknown == 1
    assert adapter.counts.acknowledged == 1  # the unknown one, by the adapter itself


async def test_listen_acknowledges_when_asked_for_more_and_gives_back_on_close(
    pubsub: PubsubWorld, adapters: Adapters, wire: WireLog
) -> None:
    adapter = adapters(redeliver_after_seconds=600)
    events = adapter.listen()
    await pubsub.publish(message_with("one", "m-1"), ordering_key=KEY)
    await pubsub.publish(message_with("two", "m-2"), ordering_key=KEY)

    first = await asyncio.wait_for(anext(events), ARRIVAL_SECONDS)
    second = await asyncio.wait_for(anext(events), ARRIVAL_SECONDS)
    await events.aclose()  # "one" was acknowledged when "two" was asked for; "two" goes back

    assert (first.text, second.text) == ("one", "two")
    assert (adapter.counts.acknowledged, adapter.counts.given_back) == (1, 1)
    assert await wire.wait_for(lambda: len(wire.acked) == 1)
    assert len(wire.given_back(GIVE_BACK_SECONDS)) == 1


async def test_the_connection_check_reports_and_takes_nothing(
    pubsub: PubsubWorld, adapters: Adapters
) -> None:
    adapter = adapters()
    await pubsub.publish(message_with("waiting", "m-1"))

    found = await adapter.probe()
    delivery = await take(adapter.deliveries())

    assert pubsub.topic in found
    assert "ordering on" in found
    assert "1 message(s) waiting" in found
    assert delivery.events[0].text == "waiting"


async def test_a_missing_subscription_is_a_configuration_error(
    pubsub: PubsubWorld, adapters: Adapters
) -> None:
    adapter = adapters(subscriptions=[f"projects/{PROJECT}/subscriptions/no-such-sub"])

    with pytest.raises(ProviderConfigError, match="no-such-sub does not exist"):
        await take(adapter.deliveries())
    with pytest.raises(ProviderConfigError, match="does not exist"):
        await adapter.check()
