"""The "Try a query" box as an admin reads it: rank, matched words, where relevance ends.

Fused scores (reciprocal rank fusion, e.g. 0.033) mean nothing to a reader, and the dense leg
ranks every document, so a top-ten list always runs on into unrelated articles. Instead each
hit says which of the query's words it contains; hits past the cards agents see that share no
word with the query (found by meaning alone, ranked low) are folded away behind a cut-off.

Example::

    tried = explain("router keeps dropping", results, agents_see=3)
    tried.shown[0].rank, tried.shown[0].matched   # (1, ("router", "dropping"))
    len(tried.hidden)                             # 6 unrelated ones folded away
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.api.models import SearchResultOut
from server.assist.analysis import words
from server.assist.query import typed_query


@dataclass(frozen=True, slots=True)
class RankedHit:
    """One result: its rank (1 = best) and the distinct query words its title or passage has."""

    rank: int
    hit: SearchResultOut
    matched: tuple[str, ...]

    @property
    def by_meaning_only(self) -> bool:
        """Found by the dense (meaning) leg alone: it shares no word with the query."""
        return not self.matched


@dataclass(frozen=True, slots=True)
class TriedQuery:
    """The hits above the cut-off, those below it, and how many cards agents are shown."""

    shown: list[RankedHit]
    hidden: list[RankedHit]
    agents_see: int


def explain(query: str, results: Sequence[SearchResultOut], agents_see: int) -> TriedQuery:
    """Rank and explain ``results`` (best first) for ``query``, and cut off the unrelated tail."""
    stems = typed_query(query).stems()
    ranked = [
        RankedHit(rank, hit, matched_words(hit, stems)) for rank, hit in enumerate(results, 1)
    ]
    cut = cutoff(ranked, agents_see)
    return TriedQuery(ranked[:cut], ranked[cut:], agents_see)


def cutoff(ranked: Sequence[RankedHit], agents_see: int) -> int:
    """How many hits to show: every one down to the last that shares a word with the query,
    and at least the cards agents see (those are shown to agents whatever they match)."""
    last_with_words = max((hit.rank for hit in ranked if hit.matched), default=0)
    return min(len(ranked), max(last_with_words, agents_see))


def matched_words(hit: SearchResultOut, stems: set[str]) -> tuple[str, ...]:
    """The hit's words (title first, then passage) whose stem is a query term, each once."""
    seen: dict[str, str] = {}
    for text in (hit.title, hit.snippet):
        for word in words(text):
            if word.stem in stems:
                seen.setdefault(word.stem, text[word.start : word.end].lower())
    return tuple(seen.values())
