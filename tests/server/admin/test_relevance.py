"""The "Try a query" box explains its results: rank, the query's words each hit has, a cut-off."""

from __future__ import annotations

from server.admin.relevance import explain
from server.api.models import SearchResultOut


def hit(title: str, snippet: str) -> SearchResultOut:
    return SearchResultOut(
        document_id=title.lower().replace(" ", "-"),
        title=title,
        url=None,
        snippet=snippet,
        highlights=[],
        score=0.03,
    )


ROUTER = hit("Router dropping connection", "Restart the router if the connection keeps dropping.")
SPEED = hit("Slow broadband speeds", "Run a speed test with a cable; the router may be old.")
ROAMING = hit("Roaming abroad", "Switch on data roaming before you travel.")
ESIM = hit("eSIM activation", "Scan the QR code to activate your eSIM.")
VOICEMAIL = hit("Voicemail setup", "Dial 121 to set up your voicemail greeting.")


def test_each_hit_lists_the_query_words_it_has_title_first_each_once() -> None:
    tried = explain("my router keeps dropping the connection", [ROUTER, SPEED], agents_see=3)

    assert [(h.rank, h.matched) for h in tried.shown] == [
        (1, ("router", "dropping", "connection", "keeps")),
        (2, ("router",)),
    ]


def test_the_unrelated_tail_is_cut_off_below_the_cards_agents_get() -> None:
    results = [ROUTER, ROAMING, SPEED, ESIM, VOICEMAIL]

    tried = explain("router dropping", results, agents_see=2)

    assert [h.hit.title for h in tried.shown] == [ROUTER.title, ROAMING.title, SPEED.title]
    assert tried.shown[1].by_meaning_only  # kept: above the last hit with a matching word
    assert [h.rank for h in tried.hidden] == [4, 5]
    assert all(h.by_meaning_only for h in tried.hidden)


def test_the_cards_agents_get_are_shown_even_when_no_word_matched() -> None:
    tried = explain("completely different words", [ROAMING, ESIM, VOICEMAIL], agents_see=2)

    assert [h.rank for h in tried.shown] == [1, 2]
    assert [h.rank for h in tried.hidden] == [3]


def test_nothing_is_cut_when_every_hit_shares_a_word() -> None:
    tried = explain("router", [ROUTER, SPEED], agents_see=1)

    assert len(tried.shown) == 2
    assert tried.hidden == []
