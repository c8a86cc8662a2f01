"""The lexical leg's weighted BM25 equals bm25s' own scoring, term group by term group."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from server.assist.analysis import terms
from server.assist.lexical import LexicalLeg

PASSAGES = [
    "Restart the router and wait until the light turns green.",
    "Refunds are paid to the card you used within five working days.",
    "If the router light is orange, the line is down: check the cable.",
    "Roaming charges apply outside the country; turn data roaming on in settings.",
    "The router's admin page lives at 192.168.1.1; the password is on the sticker.",
]


@pytest.mark.parametrize("method", ["lucene", "bm25+"])
def test_weighted_groups_score_as_bm25s_does(method: str) -> None:
    passages = [terms(text) for text in PASSAGES]
    leg = LexicalLeg(passages, method=method)
    reference = bm25s.BM25(method=method)
    reference.index(passages, show_progress=False)
    groups = [(1.0, terms("router light orange")), (0.3, terms("check the cable password"))]

    expected = sum(
        np.float32(weight) * reference.get_scores(list(group)) for weight, group in groups
    )

    np.testing.assert_allclose(leg.scores(groups), expected, rtol=1e-6)
    assert leg.search(groups, 2)[0][0] == 2  # the orange-light passage
    np.testing.assert_allclose(
        leg.scores([(1.0, ["unknownword"])]), reference.get_scores(["unknownword"]), rtol=1e-6
    )


TITLES = ["Router lights", "Refunds", "Router: orange light", "Roaming abroad", "Admin page"]


@pytest.mark.parametrize("method", ["lucene", "bm25+"])
def test_a_field_folded_in_scores_as_its_own_leg_added_at_its_weight(method: str) -> None:
    body = LexicalLeg([terms(text) for text in PASSAGES], method=method)
    titles = LexicalLeg([terms(text) for text in TITLES], method=method)
    merged = body.plus(titles, 0.5)
    # Terms in both fields, only in the body ("cable"), only in titles ("abroad"), in neither.
    groups = [(1.0, terms("router orange abroad")), (0.3, terms("cable refunds nowhere"))]

    expected = body.scores(groups) + np.float32(0.5) * titles.scores(groups)

    np.testing.assert_allclose(merged.scores(groups), expected, rtol=1e-6)
    assert merged.search(groups, 1)[0][0] == 2  # "orange" in both its title and its body
    abroad = [(1.0, terms("abroad"))]  # only in a title
    best = body.scores(abroad)[3] + 0.5 * titles.scores(abroad)[3]
    assert merged.search(abroad, 1) == [(3, pytest.approx(best))]


def test_folding_in_a_field_of_other_passages_is_refused() -> None:
    body = LexicalLeg([terms(text) for text in PASSAGES])

    with pytest.raises(ValueError, match="same passages"):
        body.plus(LexicalLeg([terms("router")]), 0.5)
    assert len(body.plus(LexicalLeg([[] for _ in PASSAGES]), 0.5)) == len(PASSAGES)


def test_legs_without_terms_fold_into_one_that_matches_nothing() -> None:
    empty = LexicalLeg([]).plus(LexicalLeg([]), 0.5)
    blank = LexicalLeg([[], []]).plus(LexicalLeg([[], []]), 0.5)

    assert len(empty) == 0
    assert empty.search([(1.0, ["router"])], 5) == []
    assert blank.scores([(1.0, ["router"])]).tolist() == [0.0, 0.0]


def test_a_weighted_query_leaves_the_index_as_it_found_it() -> None:
    # Weights are applied to the postings a query reads; the index's own must stay as built.
    leg = LexicalLeg([terms(text) for text in PASSAGES])
    plain = [(1.0, terms("router light"))]
    before = leg.scores(plain)

    for weight in (0.3, 0.7, 0.3):
        weighted = leg.scores([(weight, terms("router")), (1.0, terms("light"))])
        assert (
            weighted.tolist()
            == leg.scores([(weight, terms("router")), (1.0, terms("light"))]).tolist()
        )

    assert leg.scores(plain).tolist() == before.tolist()
    assert (
        leg.scores([(0.3, terms("router"))]).tolist()
        == (np.float32(0.3) * leg.scores([(1.0, terms("router"))])).tolist()
    )
