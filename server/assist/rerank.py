"""Telling near-duplicate articles apart: rerank the top candidates on what only each one says.

Sibling policies (a return for the wrong size, for the wrong colour) share most of their text,
so both legs score them almost alike and the shared boilerplate decides. Here each candidate is
read as sentences; a sentence whose word trigrams mostly appear in another candidate too is
shared, the rest (with the title) is what distinguishes it. Among siblings, the one whose
distinguishing sentences cover more of the query's weight (IDF-weighted terms) moves up.

Everything is precomputed per document at index time (``Sentences``); a rerank is a few set
intersections per candidate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from server.assist.analysis import terms

# How much of its fused score a sibling can lose to a sibling that covers the query better.
BOOST = 0.1
# Two candidates are siblings when they share this much of the smaller one's trigrams; across
# the two benchmark knowledge bases an unrelated pair shares about 0.15 (common boilerplate).
SIBLING = 0.25
# A sentence is shared when this share of its trigrams occurs in another candidate.
SHARED_SHARE = 0.5
CANDIDATES = 5
# Answers ``Relations`` remembers per index: sibling tests (a few dozen bytes each), and the
# distinguishing terms of a document against a group (a set of up to a few hundred terms).
SIBLING_PAIRS = 50_000
GROUPS = 2_048
# Candidate lists whose sibling groups are remembered whole: a conversation's searches bring up
# the same few articles turn after turn, and each list is otherwise twenty pair look-ups.
HEADS = 2_048
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# Per candidate with siblings: its sibling group and the terms that set it apart from them.
Groups = dict[str, tuple[tuple[str, ...], frozenset[str]]]


@dataclass(frozen=True, slots=True)
class Sentences:
    """A document as sentences: each sentence's terms and its term trigrams (as hashes)."""

    terms: tuple[frozenset[str], ...]
    trigrams: tuple[frozenset[int], ...]
    # Every trigram of the document, to test other candidates' sentences against.
    all_trigrams: frozenset[int]


def sentences_of(title: str, body: str) -> Sentences:
    """Split and analyse a document once, at index time."""
    pieces = [title, *(p for p in _SENTENCE.split(body) if p.strip())]
    analysed = [terms(piece) for piece in pieces]
    grams = [frozenset(hash(tuple(t[i : i + 3])) for i in range(len(t) - 2)) for t in analysed]
    return Sentences(
        terms=tuple(frozenset(t) for t in analysed),
        trigrams=tuple(grams),
        all_trigrams=frozenset().union(*grams) if grams else frozenset(),
    )


def distinguishing_terms(own: Sentences, others: Sequence[Sentences]) -> frozenset[str]:
    """Terms of the sentences of ``own`` that no other candidate largely repeats.

    The title always counts: siblings differ there first ("wrong size", "wrong colour").
    """
    rivals = frozenset().union(*(other.all_trigrams for other in others)) if others else frozenset()
    kept: set[str] = set(own.terms[0]) if own.terms else set()
    for words, grams in zip(own.terms[1:], own.trigrams[1:], strict=True):
        if not grams or len(grams & rivals) < SHARED_SHARE * len(grams):
            kept |= words
    return frozenset(kept)


def siblings(own: Sentences, others: Sequence[Sentences]) -> list[Sentences]:
    """The candidates that share SIBLING of the smaller one's trigrams with ``own``."""
    found = []
    for other in others:
        smaller = min(len(own.all_trigrams), len(other.all_trigrams))
        if smaller and len(own.all_trigrams & other.all_trigrams) >= SIBLING * smaller:
            found.append(other)
    return found


class Relations:
    """What a rerank needs to know about candidates that no query changes, remembered.

    Whether two documents are siblings, and which terms set a document apart from a group of
    siblings, depend on the documents alone; the same articles come up together turn after
    turn, so each is worked out once (up to SIBLING_PAIRS, GROUPS and HEADS answers are kept; a
    table that fills up is emptied).
    """

    def __init__(self, sentences: Callable[[str], Sentences]) -> None:
        self._sentences = sentences
        self._pairs: dict[tuple[str, str], bool] = {}
        self._apart: dict[tuple[str, frozenset[str]], frozenset[str]] = {}
        self._heads: dict[tuple[str, ...], Groups] = {}

    def groups(self, docs: tuple[str, ...]) -> Groups:
        """Each of ``docs`` that has siblings among the others: its sibling group (in their
        order) and its ``distinguishing`` terms against that group; in the order of ``docs``.
        The answer is shared between calls: read it, never change it."""
        found = self._heads.get(docs)
        if found is None:
            found = {}
            for doc in docs:
                group = self.siblings(doc, [other for other in docs if other != doc])
                if group:
                    found[doc] = (tuple(group), self.distinguishing(doc, group))
            _remember(self._heads, HEADS, docs, found)
        return found

    def siblings(self, doc: str, others: Sequence[str]) -> list[str]:
        """The ``others`` that are siblings of ``doc``, in their order."""
        return [other for other in others if self._paired(doc, other)]

    def distinguishing(self, doc: str, group: Sequence[str]) -> frozenset[str]:
        """``distinguishing_terms`` of ``doc`` against its sibling ``group``."""
        key = (doc, frozenset(group))
        found = self._apart.get(key)
        if found is None:
            rivals = [self._sentences(other) for other in group]
            found = distinguishing_terms(self._sentences(doc), rivals)
            _remember(self._apart, GROUPS, key, found)
        return found

    def _paired(self, doc: str, other: str) -> bool:
        key = (doc, other) if doc < other else (other, doc)
        found = self._pairs.get(key)
        if found is None:
            found = bool(siblings(self._sentences(doc), [self._sentences(other)]))
            _remember(self._pairs, SIBLING_PAIRS, key, found)
        return found


def _remember(memo: dict[Any, Any], size: int, key: object, value: object) -> None:
    if len(memo) >= size:
        memo.clear()
    memo[key] = value


def rerank(
    scored: Sequence[tuple[str, float]], relations: Relations, weight: dict[str, float]
) -> list[tuple[str, float]]:
    """The ranking with the top CANDIDATES reordered among near-duplicates.

    A candidate with siblings among the others is scored by how much of the query's weight
    its distinguishing sentences cover, against the best-covered of its group: the best keeps
    its score, the others lose up to BOOST of it, in proportion to how far they fall short.
    Candidates without siblings keep theirs.
    ``weight`` maps each query term to its weight times its IDF (``query_weights``), so a word
    every article uses counts for nothing.
    """
    head = list(scored[:CANDIDATES])
    if len(head) < 2 or not weight:
        return list(scored)
    total = sum(weight.values())
    if total <= 0:
        return list(scored)
    groups = relations.groups(tuple(doc for doc, _ in head))
    coverage = {
        doc: sum(w for t, w in weight.items() if t in own) / total
        for doc, (_, own) in groups.items()
    }
    rescored = []
    for doc, score in head:
        if doc in coverage:
            best = max(coverage.get(o, 0.0) for o in [doc, *groups[doc][0]])
            if best > 0:
                score *= 1 - BOOST * (best - coverage[doc]) / best
        rescored.append((doc, score))
    rescored.sort(key=lambda item: -item[1])
    return rescored + list(scored[CANDIDATES:])


def query_weights(query: dict[str, float], share: Callable[[str], float]) -> dict[str, float]:
    """Each query term's weight times its IDF, from ``share``, the share of documents using it."""
    return {t: w * idf(share(t)) for t, w in query.items()}


def idf(share: float) -> float:
    """The inverse document frequency of a term used by ``share`` of the documents."""
    return math.log(1 / max(share, 1e-3))
