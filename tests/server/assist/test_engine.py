"""The hybrid engine end to end: fusion, dense switch, updates, no-repeat, tenants, debounce."""

from __future__ import annotations

import asyncio
import threading

import pytest

from server.assist import engine as engine_module
from server.assist.base import AssistRequest, Route, SearchRequest
from server.assist.dense import Vectors
from server.assist.engine import HybridAssistant
from server.assist.memory import SuggestionMemory
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


def ids(suggestions: list[Suggestion]) -> list[str]:
    return [s.source.document_id for s in suggestions]


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
    [top, *_] = await engine.suggest(ask("my router keeps losing the signal"))

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

    assert await engine.suggest(ask("refund please")) == []


async def test_an_article_is_not_repeated_unless_it_is_the_best_match(
    engine: HybridAssistant,
) -> None:
    first = await engine.suggest(ask("refund for my returned order, and data abroad"))
    again = await engine.suggest(ask("refund for my returned order, and data abroad"))
    other = await engine.suggest(ask("data abroad not working, and my refund"))

    assert ids(first)[:2] == ["refunds", "roaming"]
    assert ids(again) == ["refunds"]
    assert ids(other) == ["roaming"]


async def test_a_tenant_never_reaches_another_tenants_knowledge_base(
    engine: HybridAssistant,
) -> None:
    stolen = await engine.suggest(ask("orbital launch window", kb_id="kb-globex"))
    searched = await engine.search(
        SearchRequest(tenant_id="acme", query="launch window", route=Route(kb_id="kb-globex"))
    )
    own = await engine.suggest(ask("orbital launch window", tenant="globex", kb_id="kb-globex"))

    assert stolen == searched == []
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
    engine = HybridAssistant(encoder=encoder, memory=SuggestionMemory())
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
    assert results[1] == []
    assert ids(results[2])[0] == "refunds"
    assert {s.trigger_event_id for s in results[2]} == {"e3"}
    assert encoder.calls == 2  # the superseded line never retrieved
