"""Card snippets: a passage as one line of plain text, its matching words marked by span."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from server.assist.analysis import stem, stemmed_spans, words

SNIPPET_CHARS = 280
PASSAGE_CACHE = 8192
ELLIPSIS = "…"
# Markdown that reads as noise on a card: emphasis, inline code, list and heading markers, links.
_MARKDOWN = (
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__|\*|`)"), ""),
    # White space up to the marker on its own line only: ``^\s*`` read a run of blank lines
    # again from each of them (quadratic). What it also took, line breaks before the marker,
    # ``plain_text`` folds into one space anyway.
    (re.compile(r"^[^\S\n]*(#+|[-*+•]|\d+[.)])\s+", re.MULTILINE), ""),
)
# Where a sentence starts after the first: past the spaces that follow its full stop. Looking
# for the punctuation first is several times faster than a look-behind tried at every character.
_NEXT_SENTENCE = re.compile(r"[.!?]\s+(?=\S)")
# Words that carry a request's grammar, not its topic: the search keeps them ("not working"),
# but marking them on a card shows nothing about why it matched.
_UNMARKED_LIST = """
    no not nor never get got gets getting want wants wanted need needs needed like just
    really still also know make made way thing things one use used please help able
    """
UNMARKED = frozenset(stem(_UNMARKED_LIST.split()))

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Snippet:
    """Snippet text and the ``[start, end)`` character spans of the words that matched."""

    text: str
    highlights: tuple[Span, ...]


def plain_text(markdown: str) -> str:
    """The text of a Markdown passage without its markup, on one line."""
    for pattern, replacement in _MARKDOWN:
        markdown = pattern.sub(replacement, markdown)
    return " ".join(markdown.split())


def quote(passage: str, terms: Collection[str]) -> Snippet:
    """The passage's best window for these query stems, with the matching words highlighted.

    A long passage is quoted from the sentence whose window holds the most matching words, so
    the card shows why it was suggested rather than the passage's first lines.
    """
    text, spans_by_stem, sentences = analysed(passage)
    matches = sorted(span for term in spans_by_stem.keys() & terms for span in spans_by_stem[term])
    start = _best_start(text, sentences, [a for a, _ in matches]) if matches else 0
    cut = _cut(text, start)
    # Spans move with the window: the cut keeps text[start:...] behind an optional ellipsis.
    shift = (len(ELLIPSIS) if start > 0 else 0) - start
    body_end = len(cut.removesuffix(ELLIPSIS)) - shift
    spans = tuple((a + shift, b + shift) for a, b in matches if a >= start and b <= body_end)
    return Snippet(cut, spans)


# Cards quote the same passages over and over; analysing them per card dominated the event
# loop under load (docs/benchmarks.md), so each passage is analysed once. Its words are kept
# by stem (those worth marking), so a card looks up the query's stems instead of walking
# every word of the passage.
@lru_cache(maxsize=PASSAGE_CACHE)
def analysed(passage: str) -> tuple[str, dict[str, tuple[Span, ...]], tuple[int, ...]]:
    """A passage's plain text, the spans of its words by stem (leaving out ``UNMARKED``), and
    where its sentences start."""
    text = plain_text(passage)
    sentences = _sentence_starts(text)
    spans: dict[str, list[Span]] = {}
    for span, term in zip(*stemmed_spans(text), strict=True):
        if term not in UNMARKED:
            spans.setdefault(term, []).append(span)
    return text, {term: tuple(found) for term, found in spans.items()}, sentences


def _sentence_starts(text: str) -> tuple[int, ...]:
    """Where the sentences of ``text`` start; (0,) when it has none (empty or blank)."""
    later = [m.end() for m in _NEXT_SENTENCE.finditer(text)]
    if text[:1] and not text[:1].isspace():
        return (0, *later)
    return tuple(later) or (0,)


def highlights(text: str, terms: Collection[str]) -> tuple[Span, ...]:
    """Spans of the words of ``text`` whose stems are among the query's ``terms``."""
    return tuple(
        (word.start, word.end)
        for word in words(text)
        if word.stem in terms and word.stem not in UNMARKED
    )


def _best_start(text: str, starts: tuple[int, ...], positions: list[int]) -> int:
    """The sentence start whose window holds the most matches (``positions``, ascending)."""
    if len(text) <= SNIPPET_CHARS:
        return 0
    if len(starts) == 1:
        return starts[0]  # one sentence: no window to choose

    def merit(start: int) -> tuple[int, int]:
        first = bisect_left(positions, start)
        inside = bisect_left(positions, start + SNIPPET_CHARS) - first
        # Most matches first; then the window whose first match comes soonest, so the reason
        # for the card is read first and not cut off at the end.
        return inside, -(positions[first] - start if inside else SNIPPET_CHARS)

    return max(starts, key=merit)


def _cut(text: str, start: int) -> str:
    prefix = ELLIPSIS if start > 0 else ""
    text = text[start:]
    if len(text) <= SNIPPET_CHARS:
        return prefix + text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return prefix + text[: cut if cut > 0 else SNIPPET_CHARS] + ELLIPSIS
