"""The hybrid engine end to end: fusion, dense switch, updates, card sets, tenants, debounce."""

from __future__ import annotations

import asyncio
import threading

import pytest

from server.assist import engine as engine_module
from server.assist.base import AssistRequest, Route, SearchRequest
from server.assist.confidence import confidence, confident
from server.assist.dense import Vectors
from server.assist.engine import HybridAssistant
from server.assist.models import CardSet
from server.conversation import Suggestion
from tests.server.assist.conftest import CountingEncoder, document, knowledge_base, lines

ACME = knowledge_base("kb-acme", "acme")
GLOBEX = knowledge_base("kb-globex", "globex")
ROUTER = document(
    "router",
    "Wi-Fi drops: fixing an unstable router connection",
    "If your broadband connection drops for a few seconds at a time, restart the hub.\n\n"
    "Move the router away from microwaves and baby monitors, which interfere with the signal.",
)
REFUNDS = document(
    "refunds",
    "Refunds for returned orders",
    "Refunds are paid to the original payment card within five working days of the return.",
)
ROAMING = document(
    "roaming",
    "Using mobile data abroad",
    "If data does not work abroad, check that data roaming is enabled and restart the phone.",
)
LAUNCH = document(
    "launch",
    "Booking an orbital launch window",
    "Launch windows are booked through the mission desk ninety days in advance.",
    kb_id="kb-globex",
    tenant_id="globex",
)


@pytest.fixture
async def engine(encoder: CountingEncoder) -> HybridAssistant:
    assistant = HybridAssistant(encoder=encoder)
    await assistant.load(ACME, [ROUTER, REFUNDS, ROAMING])
    await assistant.load(GLOBEX, [LAUNCH])
    return assistant


def ask(
    text: str, *, conversation: str = "c1", tenant: str = "acme", **route: str
) -> AssistRequest:
    return AssistRequest(
        tenant_id=tenant,
        conversation_id=conversation,
        route=Route(**route),
        lines=lines(("customer", text)),
        trigger_event_id="e1",
    )


def ids(suggestions: list[Suggestion] | CardSet) -> list[str]:
    items = suggestions.items if isinstance(suggestions, CardSet) else suggestions
    return [s.source.document_id for s in items]


def said(*turns: tuple[str, str], conversation: str = "c1") -> AssistRequest:
    transcript = lines(*turns)
    return AssistRequest(
        tenant_id="acme",
        conversation_id=conversation,
        lines=transcript,
        trigger_event_id=transcript[-1].event_id,
    )


async def test_dense_finds_a_paraphrase_that_bm25_misses(engine: HybridAssistant) -> None:
    query = "internet keeps cutting out"
    hybrid = await engine.search(SearchRequest(tenant_id="acme", query=query))
    await engine.set_dense("acme", enabled=False)
    lexical = await engine.search(SearchRequest(tenant_id="acme", query=query))

    assert ids(hybrid)[:1] == ["router"]
    assert "router" not in ids(lexical)


async def test_dense_switched_off_ranks_by_bm25_alone(engine: HybridAssistant) -> None:
    await engine.set_dense("acme", enabled=False)
    results = await engine.search(SearchRequest(tenant_id="acme", query="refunds card"))
    await engine.set_dense("acme", enabled=True)

    assert ids(results) == ["refunds"]
    assert results[0].score == pytest.approx(1 / 61, abs=1e-4)


async def test_unrelated_requests_find_nothing(engine: HybridAssistant) -> None:
    results = await engine.search(
        SearchRequest(tenant_id="acme", query="orbital launch window booking")
    )

    assert results == []


async def test_one_card_per_document_with_highlighted_passage(engine: HybridAssistant) -> None:
    [top, *_] = (await engine.suggest(ask("my router keeps losing the signal"))).items

    assert top.source.document_id == "router"
    marked = [top.snippet[a:b].lower() for a, b in top.highlights]
    assert "signal" in marked
    assert set(marked) <= {"router", "signal", "losing"}


async def test_updates_change_results_and_reembed_only_changes(
    engine: HybridAssistant, encoder: CountingEncoder
) -> None:
    encoder.embedded.clear()
    edited = ROUTER.model_copy(
        update={"body": ROUTER.body + "\n\nA flashing orange light means the line lost sync."}
    )
    pets = document("pets", "Pet insurance claims", "Claim vet bills for your dog or cat online.")

    await engine.update(ACME, [edited, pets, REFUNDS], ["roaming"])

    # The router's first paragraphs and the untouched refunds article are not embedded again.
    assert len(encoder.embedded) == 2
    assert ids(await engine.search(SearchRequest(tenant_id="acme", query="orange light")))[0] == (
        "router"
    )
    assert ids(await engine.search(SearchRequest(tenant_id="acme", query="vet bills"))) == ["pets"]
    assert "roaming" not in ids(
        await engine.search(SearchRequest(tenant_id="acme", query="data roaming abroad"))
    )


async def test_dropping_a_knowledge_base_forgets_it(engine: HybridAssistant) -> None:
    await engine.drop("kb-acme")

    assert await engine.suggest(ask("refund please")) == CardSet(changed=False)


async def test_verification_turns_keep_the_cards_and_never_become_query_words(
    engine: HybridAssistant,
) -> None:
    problem = ("customer", "my router keeps dropping the wifi signal")
    stated = await engine.suggest(said(problem))
    verified = await engine.suggest(
        said(
            problem,
            ("agent", "Can I take your account number and email address?"),
            ("customer", "40021873, jo.refund@example.com"),
        )
    )

    assert ids(stated)[0] == "router"
    assert verified.changed is False
    assert verified.turn == "identifier"


async def test_a_card_shown_earlier_at_rank_two_is_not_hidden_when_the_topic_grows(
    engine: HybridAssistant,
) -> None:
    first = ("customer", "refund for my returned order, and data abroad")
    shown = await engine.suggest(said(first))
    grown = await engine.suggest(said(first, ("customer", "the data abroad bit is urgent")))

    assert ids(shown)[:2] == ["refunds", "roaming"]
    assert set(ids(grown)[:2]) == {"refunds", "roaming"}
    # Within one topic a card keeps its id, so the widget keeps its state.
    kept = {s.source.document_id: s.id for s in shown.items}
    assert all(kept.get(s.source.document_id, s.id) == s.id for s in grown.items)


async def test_an_opening_without_a_request_listens_once(engine: HybridAssistant) -> None:
    hello = await engine.suggest(said(("customer", "hello")))
    opening = await engine.suggest(
        said(("customer", "hello"), ("customer", "i have a question about my account"))
    )

    assert (hello.items, hello.reason, hello.changed) == ([], "listening", True)
    assert opening.changed is False


async def test_a_topic_change_starts_a_new_set(engine: HybridAssistant) -> None:
    first = ("customer", "my router keeps dropping the wifi")
    before = await engine.suggest(said(first))
    after = await engine.suggest(
        said(first, ("customer", "thanks"), ("customer", "also, my refund never came"))
    )

    assert ids(before)[0] == "router"
    assert ids(after)[0] == "refunds"
    assert after.turn == "topic_change"


async def test_a_request_the_knowledge_base_cannot_answer_gets_unsure(
    engine: HybridAssistant,
) -> None:
    cards = await engine.suggest(ask("orbital launch window booking for the mission desk"))

    assert (cards.items, cards.reason) == ([], "unsure")


async def test_a_tenant_never_reaches_another_tenants_knowledge_base(
    engine: HybridAssistant,
) -> None:
    stolen = await engine.suggest(ask("orbital launch window", kb_id="kb-globex"))
    searched = await engine.search(
        SearchRequest(tenant_id="acme", query="launch window", route=Route(kb_id="kb-globex"))
    )
    own = await engine.suggest(ask("orbital launch window", tenant="globex", kb_id="kb-globex"))

    assert stolen.items == searched == []
    assert ids(own) == ["launch"]


async def test_without_a_route_the_tenants_default_is_used(encoder: CountingEncoder) -> None:
    engine = HybridAssistant(encoder=encoder)
    await engine.load(knowledge_base("kb-extra", "acme", is_default=False), [ROAMING])
    await engine.load(ACME, [REFUNDS])

    assert ids(await engine.suggest(ask("refund"))) == ["refunds"]
    assert ids(await engine.suggest(ask("data abroad", kb_id="kb-extra"))) == ["roaming"]


class GatedEncoder(CountingEncoder):
    """The real encoder; once armed, each query waits for the test to open the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.armed = False
        self.entered = threading.Event()
        self.gate = threading.Event()

    def embed(self, texts: list[str]) -> Vectors:
        if self.armed:
            self.calls += 1
            self.entered.set()
            self.gate.wait(timeout=10)
        return super().embed(texts)


async def test_lines_arriving_during_a_retrieval_collapse_to_the_newest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Searches of large knowledge bases run in a worker thread; only they can overlap.
    monkeypatch.setattr(engine_module, "INLINE_SEARCH_MAX_CHUNKS", 0)
    encoder = GatedEncoder()
    engine = HybridAssistant(encoder=encoder)
    await engine.load(ACME, [ROUTER, REFUNDS, ROAMING])
    burst = [
        ("customer", "my router drops"),
        ("customer", "and my refund"),
        ("customer", "for the returned order never came"),
    ]

    def request(n: int) -> AssistRequest:
        return AssistRequest(
            tenant_id="acme",
            conversation_id="c1",
            lines=lines(*burst[: n + 1]),
            trigger_event_id=f"e{n + 1}",
        )

    encoder.armed = True
    first = asyncio.create_task(engine.suggest(request(0)))
    await asyncio.to_thread(encoder.entered.wait, 10)
    queued = [asyncio.create_task(engine.suggest(request(n))) for n in (1, 2)]
    for _ in range(5):
        await asyncio.sleep(0)  # let both queue behind the running retrieval
    encoder.gate.set()
    results = [await first, *(await asyncio.gather(*queued))]

    assert ids(results[0])[0] == "router"  # the first line was answered at once
    assert results[1].items == []
    assert not results[1].changed
    assert "refunds" in ids(results[2])
    assert {s.trigger_event_id for s in results[2].items} == {"e3"}
    assert encoder.calls == 2  # the superseded line never retrieved


async def test_below_the_confidence_threshold_a_new_topic_is_unsure_and_a_topic_keeps_its_cards(
    engine: HybridAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ("customer", "my router keeps dropping the wifi")
    shown = await engine.suggest(said(first))
    monkeypatch.setattr(engine_module, "confident", lambda coverage, cosine: False)

    kept = await engine.suggest(said(first, ("customer", "it happens every evening")))
    fresh = await engine.suggest(said(("customer", "my refund never came"), conversation="c2"))

    assert ids(shown)[0] == "router"
    assert kept.changed is False
    assert (fresh.items, fresh.reason) == ([], "unsure")


def test_confidence_grows_with_the_evidence() -> None:
    assert confidence(0.0, 0.0) < confidence(0.5, 0.3) < confidence(0.9, 0.7)
    assert not confident(0.0, 0.0)
    assert confident(0.8, 0.6)
