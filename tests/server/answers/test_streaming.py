"""Answers reach a widget through the real app: extractive at once, then streamed and cited."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.answers.prompt import DEFAULT_SYSTEM_PROMPT
from tests.fixtures.app import Widget, customer_says, event
from tests.fixtures.llm import API_KEY, FakeLlm, Script
from tests.server.answers.conftest import FIRST_TOKEN_SECONDS, InTestSource, endpoint_for

ROUTER = "my router keeps dropping, lights orange"


async def post(client: TestClient[Any, Any], key: str, body: Any) -> None:
    response = await client.post(
        "/api/v1/events", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200, await response.text()


async def joined(connect_widget: Any, tenant: str = "acme") -> Widget:
    # A supervisor's widget: these tests watch conversations nobody was assigned to.
    widget: Widget = await connect_widget(tenant=tenant, supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")
    return widget


async def deltas_until_end(widget: Widget, answer_id: str) -> tuple[list[dict[str, Any]], str]:
    """The deltas of one answer, then the name of the event that ended it."""
    deltas = []
    while True:
        if widget.pending("answer.done") or widget.pending("answer.dropped"):
            # Deltas are emitted before the end, so all of them have arrived.
            while widget.pending("answer.delta"):
                deltas.append(await widget.next("answer.delta"))
            ending = "answer.done" if widget.pending("answer.done") else "answer.dropped"
            assert all(delta["answer_id"] == answer_id for delta in deltas)
            return deltas, ending
        if widget.pending("answer.delta"):
            deltas.append(await widget.next("answer.delta"))
        else:
            await widget.client.sleep(0.01)


async def test_deltas_stream_in_order_then_done_with_citations(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any, fake_llm: FakeLlm
) -> None:
    fake_llm.script = Script(
        text="Unplug the router for 30 seconds [P1], then check the lights again [P1].",
        delay=0.01,
    )
    widget = await joined(connect_widget)

    await post(client, api_keys["acme"], customer_says("e1", ROUTER))

    suggestions = await widget.next("suggestions")
    answer = await widget.next("answer")
    top = suggestions["items"][0]
    assert answer["pending"] is True
    assert answer["trigger_event_id"] == "e1"
    # The answer is the card's matching sentences, not the card's snippet again.
    assert answer["text"] != top["snippet"]
    assert answer["text"] in top["snippet"]
    assert answer["citations"] == [
        {
            "ref": "P1",
            "suggestion_id": top["id"],
            "document_id": "router-reset",
            "title": "Resetting your home router",
            "url": "https://acme.example/kb/router-reset",
        }
    ]
    deltas, ending = await deltas_until_end(widget, answer["answer_id"])
    assert ending == "answer.done"
    assert [delta["index"] for delta in deltas] == list(range(len(deltas)))
    assert len(deltas) == len(fake_llm.script.pieces())
    done = await widget.next("answer.done")
    assert done["answer_id"] == answer["answer_id"]
    assert "".join(delta["text"] for delta in deltas) == done["text"] == fake_llm.script.text
    assert done["citations"] == answer["citations"]


async def test_the_prompt_carries_passages_and_the_labelled_conversation(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any, fake_llm: FakeLlm
) -> None:
    widget = await joined(connect_widget)
    await post(
        client,
        api_keys["acme"],
        {
            "events": [
                customer_says("e1", "hello"),
                event("message", "e2", speaker="agent", text="Hi, how can I help?"),
                customer_says("e3", ROUTER),
            ]
        },
    )
    await widget.next("answer.done")

    system, user = fake_llm.requests[-1]["messages"]
    assert system["content"].startswith(DEFAULT_SYSTEM_PROMPT)
    assert "[P1] (document router-reset) Resetting your home router" in user["content"]
    assert f"Customer: hello\nAgent: Hi, how can I help?\nCustomer: {ROUTER}" in user["content"]


async def test_without_an_integration_the_extractive_answer_is_final(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    fake_llm: FakeLlm,
    llm_source: InTestSource,
) -> None:
    llm_source.endpoints.clear()
    widget = await joined(connect_widget)

    await post(client, api_keys["acme"], customer_says("e1", ROUTER))

    answer = await widget.next("answer")
    assert answer["pending"] is False
    assert answer["citations"][0]["document_id"] == "router-reset"
    assert llm_source.asked == [("acme", None)]
    assert fake_llm.requests == []


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (Script(text="Just restart the router."), "no_citations"),
        (Script(text="Restart it [P1] and check your bill [P7]."), "unknown_citation"),
        (Script(stall=True), "timeout"),
        (Script(first_delay=FIRST_TOKEN_SECONDS * 3), "timeout"),
        (Script(status=503), "llm_unavailable"),
        (Script(status=500), "llm_unavailable"),
    ],
)
async def test_a_failed_answer_is_dropped_and_the_extractive_one_stands(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    fake_llm: FakeLlm,
    script: Script,
    reason: str,
) -> None:
    fake_llm.script = script
    widget = await joined(connect_widget)

    await post(client, api_keys["acme"], customer_says("e1", ROUTER))

    answer = await widget.next("answer")
    assert answer["pending"] is True
    dropped = await widget.next("answer.dropped")
    assert dropped == {
        "conversation_id": "conv-1",
        "answer_id": answer["answer_id"],
        "reason": reason,
    }
    assert widget.pending("answer.done") == 0


async def test_a_newer_customer_turn_cancels_the_older_stream(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any, fake_llm: FakeLlm
) -> None:
    fake_llm.script = Script(text="Restart the router " * 20 + "[P1].", delay=0.05)
    widget = await joined(connect_widget)
    await post(client, api_keys["acme"], customer_says("e1", ROUTER))
    first = await widget.next("answer")
    await widget.next("answer.delta")

    fake_llm.script = Script(text="Check the refund status page [P1].")
    await post(client, api_keys["acme"], customer_says("e2", "and where is my refund?"))

    dropped = await widget.next("answer.dropped")
    assert dropped["answer_id"] == first["answer_id"]
    assert dropped["reason"] == "superseded"
    second = await widget.next("answer")
    assert second["trigger_event_id"] == "e2"
    assert second["answer_id"] != first["answer_id"]
    done = await widget.next("answer.done")
    assert done["answer_id"] == second["answer_id"]
    assert done["text"] == "Check the refund status page [P1]."
    while widget.pending("answer.delta"):
        delta = await widget.next("answer.delta")
        assert delta["answer_id"] in {first["answer_id"], second["answer_id"]}
    assert widget.pending("answer.done") == 0
    assert fake_llm.disconnects == 1


async def test_a_duplicate_delivery_is_not_answered_again(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await joined(connect_widget)
    await post(client, api_keys["acme"], customer_says("e1", ROUTER))
    first = await widget.next("answer")
    await widget.next("answer.done")

    other = await joined(connect_widget)
    await post(client, api_keys["acme"], customer_says("e1", ROUTER))  # a duplicate delivery
    await post(client, api_keys["acme"], customer_says("e2", ROUTER))
    second = await other.next("answer")

    assert second["trigger_event_id"] == "e2"
    assert second["answer_id"] != first["answer_id"]
    assert other.pending("answer") == 0


async def test_the_api_key_prompt_and_answer_are_never_logged(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    fake_llm: FakeLlm,
    llm_source: InTestSource,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_answer = "Your PIN-reset code is 8812 [P1]."
    fake_llm.script = Script(text=secret_answer)
    widget = await joined(connect_widget)

    await post(client, api_keys["acme"], customer_says("e1", ROUTER))
    await widget.next("answer.done")
    fake_llm.script = Script(status=500)
    await post(client, api_keys["acme"], customer_says("e2", ROUTER + " again"))
    await widget.next("answer.dropped")
    fake_llm.script = Script(text="No citation 8812 here.")
    await post(client, api_keys["acme"], customer_says("e3", ROUTER + " still"))
    await widget.next("answer.dropped")

    logged = "\n".join(
        f"{record.getMessage()}\n{record.exc_text or ''}" for record in caplog.records
    )
    assert API_KEY not in logged
    assert "8812" not in logged
    assert "lights orange" not in logged
    assert DEFAULT_SYSTEM_PROMPT[:40] not in logged
    assert "dropped: llm_unavailable" in logged


async def test_a_stream_past_the_total_limit_is_dropped_after_its_first_deltas(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    fake_llm: FakeLlm,
    llm_source: InTestSource,
) -> None:
    llm_source.endpoints[("acme", None)] = endpoint_for(fake_llm, timeout_seconds=0.6)
    fake_llm.script = Script(text="one two three four five six seven [P1].", delay=0.2)
    widget = await joined(connect_widget)

    await post(client, api_keys["acme"], customer_says("e1", ROUTER))

    answer = await widget.next("answer")
    deltas, ending = await deltas_until_end(widget, answer["answer_id"])
    assert ending == "answer.dropped"
    assert 1 <= len(deltas) < len(fake_llm.script.pieces())
    assert (await widget.next("answer.dropped"))["reason"] == "timeout"
