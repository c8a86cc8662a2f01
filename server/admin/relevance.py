"""The "Try a query" box as an admin reads it: rank, matched words, where relevance ends.

Fused scores (reciprocal rank fusion, e.g. 0.033) mean nothing to a reader, and a top-ten list
always runs on into articles that share one common word with the query, or none (the dense leg
ranks every document). Instead each hit says which of the query's words it contains, and the
list is cut after the last hit that has at least half as many of them as the best one; the
cards agents get are always shown. What falls below the cut-off is folded away, not dropped.

Example::

    tried = explain("router keeps dropping", results, agents_see=3)
    tried.shown[0].rank, tried.shown[0].matched   # (1, ("router", "keeps", "dropping"))
    len(tried.hidden), tried.weak_below            # (6, 1): six more match at most one word
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from server.assist.analysis import words
from server.assist.query import typed_query
from server.services.models import SearchResultOut


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
    """The hits above the cut-off and below it, and what the cut-off was."""

    shown: list[RankedHit]
    hidden: list[RankedHit]
    agents_see: int
    query_words: int
    # Hits below the cut-off match at most this many of the query's words.
    weak_below: int


def explain(query: str, results: Sequence[SearchResultOut], agents_see: int) -> TriedQuery:
    """Rank and explain ``results`` (best first) for ``query``, and cut off the weak tail."""
    stems = typed_query(query).stems()
    ranked = [
        RankedHit(rank, hit, matched_words(hit, stems)) for rank, hit in enumerate(results, 1)
    ]
    enough = strong_enough(ranked)
    cut = cutoff(ranked, agents_see, enough)
    return TriedQuery(ranked[:cut], ranked[cut:], agents_see, len(stems), enough - 1)


def strong_enough(ranked: Sequence[RankedHit]) -> int:
    """How many query words a hit needs to count as related: half as many as the best hit."""
    best = max((len(hit.matched) for hit in ranked), default=0)
    return max(1, math.ceil(best / 2))


def cutoff(ranked: Sequence[RankedHit], agents_see: int, enough: int) -> int:
    """How many hits to show: down to the last related one, and at least the cards agents get
    (those reach agents whatever they match)."""
    last_related = max((hit.rank for hit in ranked if len(hit.matched) >= enough), default=0)
    return min(len(ranked), max(last_related, agents_see))


def matched_words(hit: SearchResultOut, stems: set[str]) -> tuple[str, ...]:
    """The hit's words (title first, then passage) whose stem is a query term, each once."""
    seen: dict[str, str] = {}
    for text in (hit.title, hit.snippet):
        for word in words(text):
            if word.stem in stems:
                seen.setdefault(word.stem, text[word.start : word.end].lower())
    return tuple(seen.values())
