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
