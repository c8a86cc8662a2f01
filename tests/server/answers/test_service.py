"""The answer service on its own: routes, retries of one trigger, shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from providers.models import Speaker
from server.answers.client import ChatClient
from server.answers.service import AnswerService, answer_id_for, focused
from server.assist.base import AssistRequest, Route
from server.conversation import Line, Source, Suggestion
from server.realtime.rooms import Broadcaster
from tests.fixtures.llm import FakeLlm, Script
from tests.server.answers.conftest import InTestSource, endpoint_for


class RecordingEmitter:
    """Stands in for the Socket.IO server: keeps (event, payload) in emit order."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, dict[str, Any]]] = []

    async def emit(
        self, event: str, data: Any = None, *, to: str | None = None, namespace: str | None = None
    ) -> None:
        self.emitted.append((event, data))

    def names(self) -> list[str]:
        return [name for name, _ in self.emitted if name != "answer.delta"]


def request(trigger: str = "e1", route: Route | None = None) -> AssistRequest:
    line = Line(
        seq=1,
        event_id=trigger,
        speaker=Speaker.CUSTOMER,
        text="router keeps dropping",
        occurred_at=datetime.now(UTC),
    )
    return AssistRequest(
        tenant_id="acme",
        conversation_id="conv-1",
        route=route or Route(),
        lines=[line],
        trigger_event_id=trigger,
    )


ITEMS = [
    Suggestion(
        id="s1",
        kind="article",
        title="Resetting your router",
        snippet="Hold reset for 10 seconds.",
        source=Source(document_id="router-reset", url=None),
        score=1.0,
        trigger_event_id="e1",
    )
]


@pytest.fixture
async def emitter() -> RecordingEmitter:
    return RecordingEmitter()


@pytest.fixture
async def service(
    fake_llm: FakeLlm, emitter: RecordingEmitter
) -> AsyncIterator[tuple[AnswerService, InTestSource]]:
    source = InTestSource({("acme", "int-7"): endpoint_for(fake_llm)})
    async with aiohttp.ClientSession() as session:
        answers = AnswerService(
            source=source, client=ChatClient(session), broadcaster=Broadcaster(emitter)
        )
        yield answers, source
        await answers.aclose()


async def settle(answers: AnswerService) -> None:
    for _ in range(200):
        if not answers._in_flight:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("answer still in flight")


async def test_the_routes_integration_and_system_prompt_are_used(
    service: tuple[AnswerService, InTestSource], fake_llm: FakeLlm, emitter: RecordingEmitter
) -> None:
    answers, source = service
    route = Route(llm_integration_id="int-7", system_prompt="You are Acme's router helper.")

    await answers.start(request(route=route), ITEMS)
    await settle(answers)

    assert source.asked == [("acme", "int-7")]
    assert fake_llm.requests[0]["messages"][0]["content"].startswith("You are Acme's router")
    assert emitter.names() == ["answer", "answer.done"]


async def test_a_reprocessed_trigger_restarts_its_answer_under_the_same_id(
    service: tuple[AnswerService, InTestSource], fake_llm: FakeLlm, emitter: RecordingEmitter
) -> None:
    answers, _ = service
    fake_llm.script = Script(delay=0.02)
    route = Route(llm_integration_id="int-7")

    await answers.start(request(route=route), ITEMS)
    await asyncio.sleep(0.05)
    await answers.start(request(route=route), ITEMS)
    await settle(answers)

    assert emitter.names() == ["answer", "answer", "answer.done"]
    ids = {payload["answer_id"] for _, payload in emitter.emitted}
    assert ids == {answer_id_for("conv-1", "e1")}


async def test_a_turn_without_suggestions_still_supersedes(
    service: tuple[AnswerService, InTestSource], fake_llm: FakeLlm, emitter: RecordingEmitter
) -> None:
    answers, _ = service
    fake_llm.script = Script(stall=True)
    route = Route(llm_integration_id="int-7")

    await answers.start(request("e1", route), ITEMS)
    await asyncio.sleep(0.05)
    await answers.start(request("e2", route), [])
    await settle(answers)

    assert emitter.names() == ["answer", "answer.dropped"]
    assert emitter.emitted[-1][1]["reason"] == "superseded"


async def test_shutdown_cancels_answers_in_flight(
    service: tuple[AnswerService, InTestSource], fake_llm: FakeLlm, emitter: RecordingEmitter
) -> None:
    answers, _ = service
    fake_llm.script = Script(stall=True)

    await answers.start(request(route=Route(llm_integration_id="int-7")), ITEMS)
    await asyncio.sleep(0.05)
    await answers.aclose()

    assert not answers._in_flight
    assert emitter.names() == ["answer"]


async def test_an_unknown_integration_leaves_the_extractive_answer(
    service: tuple[AnswerService, InTestSource], fake_llm: FakeLlm, emitter: RecordingEmitter
) -> None:
    answers, _ = service

    await answers.start(request(route=Route(llm_integration_id="gone")), ITEMS)
    await settle(answers)

    assert emitter.emitted == [
        (
            "answer",
            {
                "conversation_id": "conv-1",
                "answer_id": answer_id_for("conv-1", "e1"),
                "trigger_event_id": "e1",
                "text": "Hold reset for 10 seconds.",
                "citations": [
                    {
                        "ref": "P1",
                        "suggestion_id": "s1",
                        "document_id": "router-reset",
                        "title": "Resetting your router",
                        "url": None,
                    }
                ],
                "pending": False,
            },
        )
    ]
    assert fake_llm.requests == []


def test_the_extractive_answer_is_the_matching_sentences_of_the_card() -> None:
    snippet = "Restart the hub first. The lights take three minutes. If it still drops, hold reset."
    start = snippet.index("drops")
    card = ITEMS[0].model_copy(
        update={"snippet": snippet, "highlights": [(0, 7), (start, start + 5)]}
    )

    assert focused(card) == "Restart the hub first. If it still drops, hold reset."
    short = card.model_copy(update={"snippet": "Hold reset for 10 seconds."})
    assert focused(short) == "Hold reset for 10 seconds."


async def test_without_a_model_the_answer_is_sent_before_start_returns(
    service: tuple[AnswerService, InTestSource], emitter: RecordingEmitter
) -> None:
    answers, _ = service

    await answers.start(request(), ITEMS)

    # Sent at once, behind the turn's card set (the widget's writer sends both together);
    # nothing is left running for the conversation.
    assert emitter.names() == ["answer"]
    assert emitter.emitted[0][1]["pending"] is False
    assert not answers._in_flight


class GatedSource(InTestSource):
    """Holds every lookup until ``opened`` is set: an integration read that takes a while."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = asyncio.Event()

    async def get(self, tenant_id: str, integration_id: str | None) -> None:
        self.asked.append((tenant_id, integration_id))
        await self.opened.wait()


@pytest.fixture
async def gated(emitter: RecordingEmitter) -> AsyncIterator[tuple[AnswerService, GatedSource]]:
    source = GatedSource()
    async with aiohttp.ClientSession() as session:
        answers = AnswerService(
            source=source, client=ChatClient(session), broadcaster=Broadcaster(emitter)
        )
        yield answers, source
        await answers.aclose()


async def test_a_newer_turn_during_the_lookup_supersedes_the_older_answer(
    gated: tuple[AnswerService, GatedSource], emitter: RecordingEmitter
) -> None:
    answers, source = gated
    older = asyncio.ensure_future(answers.start(request("e1"), ITEMS))
    newer = asyncio.ensure_future(answers.start(request("e2"), ITEMS))
    await asyncio.sleep(0)
    source.opened.set()
    await asyncio.gather(older, newer)

    # The older turn's answer, never sent, is withdrawn; only the newer turn's is shown.
    assert emitter.names() == ["answer.dropped", "answer"]
    assert emitter.emitted[0][1]["answer_id"] == answer_id_for("conv-1", "e1")
    assert emitter.emitted[1][1]["answer_id"] == answer_id_for("conv-1", "e2")
    assert not answers._in_flight


class FailingEmitter(RecordingEmitter):
    async def emit(
        self, event: str, data: Any = None, *, to: str | None = None, namespace: str | None = None
    ) -> None:
        raise ConnectionResetError("the socket server went away")


async def test_a_failed_answer_does_not_fail_the_turn(caplog: pytest.LogCaptureFixture) -> None:
    source = InTestSource()
    async with aiohttp.ClientSession() as session:
        answers = AnswerService(
            source=source, client=ChatClient(session), broadcaster=Broadcaster(FailingEmitter())
        )

        await answers.start(request(), ITEMS)  # raises nothing

    assert "answer failed for conversation conv-1" in caplog.text
    assert not answers._in_flight


async def test_a_routed_integration_is_read_without_holding_the_turn(
    gated: tuple[AnswerService, GatedSource], emitter: RecordingEmitter
) -> None:
    answers, source = gated
    routed = request(route=Route(llm_integration_id="int-7"))

    # The store read may take a while: the turn goes on, the answer follows the read.
    await asyncio.wait_for(answers.start(routed, ITEMS), 1)
    assert emitter.names() == []
    source.opened.set()
    await settle(answers)

    assert source.asked == [("acme", "int-7")]
    assert emitter.names() == ["answer"]
