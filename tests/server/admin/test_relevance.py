"""The "Try a query" box explains its results: rank, the query's words each hit has, a cut-off."""

from __future__ import annotations

from server.admin.relevance import explain
from server.services.models import SearchResultOut


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
DROPPED = hit("Repairs", "A dropped phone is not covered by the warranty.")
SLOW_ROUTER = hit("Slow router", "A router far from the desk drops its connection.")


def test_each_hit_lists_the_query_words_it_has_title_first_each_once() -> None:
    tried = explain("my router keeps dropping the connection", [ROUTER, SPEED], agents_see=3)

    assert [(h.rank, h.matched) for h in tried.shown] == [
        (1, ("router", "dropping", "connection", "keeps")),
        (2, ("router",)),
    ]


def test_hits_with_under_half_the_best_hits_words_are_cut_off_below_the_cards() -> None:
    results = [ROUTER, ROAMING, SPEED, ESIM, DROPPED, VOICEMAIL]

    tried = explain("my router keeps dropping the connection", results, agents_see=2)

    # ROUTER has 4 of the 4 words; SPEED (rank 3) only 1, under half: the cut-off comes
    # after the cards agents get (ranks 1 and 2), and DROPPED's single word does not lift it.
    assert [h.rank for h in tried.shown] == [1, 2]
    assert [h.hit.title for h in tried.hidden] == [
        SPEED.title,
        ESIM.title,
        DROPPED.title,
        VOICEMAIL.title,
    ]
    assert (tried.query_words, tried.weak_below) == (4, 1)


def test_a_related_hit_keeps_everything_above_it_in_rank_order() -> None:
    results = [ROUTER, ESIM, SLOW_ROUTER, VOICEMAIL]

    tried = explain("router dropping connection", results, agents_see=1)

    assert [h.rank for h in tried.shown] == [1, 2, 3]  # rank 3 is related: rank 2 stays
    assert tried.shown[1].by_meaning_only
    assert [h.rank for h in tried.hidden] == [4]


def test_the_cards_agents_get_are_shown_even_when_no_word_matched() -> None:
    tried = explain("completely different words", [ROAMING, ESIM, VOICEMAIL], agents_see=2)

    assert [h.rank for h in tried.shown] == [1, 2]
    assert [h.rank for h in tried.hidden] == [3]
    assert tried.weak_below == 0


def test_nothing_is_cut_when_every_hit_is_related() -> None:
    tried = explain("router", [ROUTER, SPEED], agents_see=1)

    assert len(tried.shown) == 2
    assert tried.hidden == []
