"""A Genesys voice call through the real server: the agent sees each spoken line once."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from providers.genesys import GenesysAdapter
from server.app import create_app
from server.auth.tokens import TokenService
from server.config import Settings
from tests.doubles.genesys.voice import VoiceCall, utterance
from tests.doubles.genesys.world import GenesysWorld

from .conftest import FAST, QUEUE, settings_for
from .test_end_to_end import ROUTER, MakeClient, joined_widget, subscribed

REPLY = "let me reset the line from here"


async def test_a_customers_spoken_line_reaches_the_widget_once_with_suggestions(
    world: GenesysWorld,
    double: TestServer,
    aiohttp_client: MakeClient,
    settings: Settings,
    api_keys: dict[str, str],
    tokens: TokenService,
) -> None:
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    client = await aiohttp_client(create_app(settings, listeners=[adapter]))
    widget = await joined_widget(client, tokens)
    await subscribed(world)

    call = VoiceCall(world, "conv-1", queue_id=QUEUE)
    call.arrive()
    call.assign("user-1")
    assert await widget.next("assigned") == {"conversation_id": "conv-1", "queue": QUEUE}
    call.hear([utterance("customer-u-1", "EXTERNAL", "my router keeps", final=False)])
    partial = await widget.next("transcript.partial")
    spoken = call.customer_says(ROUTER)
    shown = await widget.next("transcript")
    suggestions = await widget.next("suggestions")
    # Genesys delivers the same notification again: the agent must not see the line twice.
    assert call.publish_speech(spoken) == 1
    call.hear([utterance("agent-u-1", "INTERNAL", REPLY)])
    replied = await widget.next("transcript")
    call.end()
    while (await widget.next("status"))["status"] != "ended":
        pass
    await widget.client.disconnect()

    line, reply = shown["line"], replied["line"]
    assert (partial["speaker"], partial["text"]) == ("customer", "my router keeps")
    assert (line["speaker"], line["text"]) == ("customer", ROUTER)
    assert "Resetting your home router" in [item["title"] for item in suggestions["items"]]
    assert suggestions["trigger_event_id"] == line["event_id"]
    assert (reply["speaker"], reply["text"]) == ("agent", REPLY)
    # The redelivered line took no place in the record: the reply follows the first cards.
    first = shown["position"]
    assert [suggestions["position"], replied["position"]] == [first + 1, first + 2]
    assert widget.pending("transcript") == 0
    assert widget.pending("suggestions") == 0
