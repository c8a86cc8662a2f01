"""An answer must cite the passages it was given, and only those; the prompt numbers them."""

from __future__ import annotations

from datetime import UTC, datetime

from providers.models import Speaker
from server.answers.citations import (
    NO_CITATIONS,
    UNKNOWN_CITATION,
    check_citations,
    cited_refs,
)
from server.answers.models import Citation, number_passages
from server.answers.prompt import CITATION_RULE, DEFAULT_SYSTEM_PROMPT, build_messages
from server.conversation import Line, Source, Suggestion


def suggestion(n: int) -> Suggestion:
    return Suggestion(
        id=f"s{n}",
        kind="article",
        title=f"Article {n}",
        snippet=f"Passage text {n}.",
        source=Source(document_id=f"doc-{n}", url=f"https://kb.example/{n}"),
        score=1.0 / n,
        trigger_event_id="e1",
    )


PASSAGES = number_passages([suggestion(1), suggestion(2), suggestion(3)])


def test_refs_in_order_of_first_citation() -> None:
    text = "Do this [P2]. Then that [p1, P3]. Again [P2][P1]; see [ P3 ]."
    assert cited_refs(text) == ["P2", "P1", "P3"]


def test_bracketed_text_that_is_not_a_passage_id_is_not_a_citation() -> None:
    assert cited_refs("Press [OK] then [1] and P1 without brackets") == []


def test_an_answer_citing_nothing_is_dropped() -> None:
    assert check_citations("Restart the router.", PASSAGES) == NO_CITATIONS


def test_an_answer_citing_an_unknown_id_is_dropped() -> None:
    assert check_citations("Restart it [P1] and pay [P4].", PASSAGES) == UNKNOWN_CITATION


def test_a_cited_answer_links_its_passages() -> None:
    assert check_citations("Restart it [P2].", PASSAGES) == [
        Citation(
            ref="P2",
            suggestion_id="s2",
            document_id="doc-2",
            title="Article 2",
            url="https://kb.example/2",
        )
    ]


def line(seq: int, speaker: Speaker, text: str) -> Line:
    return Line(
        seq=seq, event_id=f"e{seq}", speaker=speaker, text=text, occurred_at=datetime.now(UTC)
    )


def test_prompt_has_instructions_numbered_passages_and_labelled_speakers() -> None:
    lines = [line(1, Speaker.CUSTOMER, "hi"), line(2, Speaker.AGENT, "hello, how can I help?")]

    system, user = build_messages(None, PASSAGES[:2], lines)

    assert system == {"role": "system", "content": f"{DEFAULT_SYSTEM_PROMPT}\n\n{CITATION_RULE}"}
    assert user["role"] == "user"
    assert "[P1] (document doc-1) Article 1\nPassage text 1." in user["content"]
    assert "[P2] (document doc-2) Article 2" in user["content"]
    assert "[P3]" not in user["content"]
    assert "Customer: hi\nAgent: hello, how can I help?" in user["content"]


def test_a_routes_system_prompt_replaces_the_default_but_keeps_the_citation_rule() -> None:
    system, _ = build_messages("You are Acme's billing helper.", PASSAGES, [])
    assert system["content"] == f"You are Acme's billing helper.\n\n{CITATION_RULE}"
