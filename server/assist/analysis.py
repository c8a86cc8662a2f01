"""Text analysis shared by indexing, queries and highlighting: words, stop words, stems."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

import Stemmer

# Two or more word characters, as bm25s tokenizes by default, so "wi-fi" gives "wi" and "fi".
# (bm25s writes it ``\b\w\w+\b``: a scan that takes whole runs of word characters finds the
# same words without the boundary tests, which cost a sixth of the time.)
_WORD = re.compile(r"\w\w+")
_STEMMER = Stemmer.Stemmer("english")

# Function words that carry no topic. Negations stay out of the list on purpose: "no refund"
# and "not working" are what a customer is reporting, and bm25s' own list drops them.
_STOPWORD_LIST = """
    a about after again all also am an and any are as at be been before being both but by can
    could did do does doing done for from had has have having he her here hers him his how i if
    in into is it its itself just me more most my myself of on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself
    """
STOPWORDS = frozenset(_STOPWORD_LIST.split())


class Word(NamedTuple):
    """A word of a text: its character span and its stem (lower-cased).

    A named tuple: passages are analysed into about a hundred of these each, and a tuple is
    built several times faster than a frozen dataclass.
    """

    start: int
    end: int
    stem: str


def stem(words: Iterable[str]) -> list[str]:
    """Stems of lower-cased words (PyStemmer caches repeated words)."""
    return list(_STEMMER.stemWords(list(words)))


def terms(text: str) -> list[str]:
    """The index terms of a text: stemmed words that are not stop words, in order."""
    return list(_cached_terms(text))


# A conversation's query analyses its last few turns again on every event; recent turns are
# remembered instead. Callers get their own list, so the cached tuple cannot be changed.
@functools.lru_cache(maxsize=4096)
def _cached_terms(text: str) -> tuple[str, ...]:
    words = [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]
    return tuple(stem(words))


def terms_many(texts: list[str]) -> list[list[str]]:
    """``terms`` for many texts, stemming each distinct word once (corpus-sized batches)."""
    split = [[w for w in _WORD.findall(text.lower()) if w not in STOPWORDS] for text in texts]
    distinct = sorted({word for words in split for word in words})
    stems = dict(zip(distinct, stem(distinct), strict=True))
    return [[stems[word] for word in words] for words in split]


def words(text: str) -> list[Word]:
    """Every non-stop word of ``text`` with its span, for highlighting matches in place."""
    spans, stems = stemmed_spans(text)
    return [Word(start, end, s) for (start, end), s in zip(spans, stems, strict=True)]


def stemmed_spans(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """``words`` as two lists, the spans and their stems (no tuple built per word)."""
    if text.isascii():
        # Lower-casing ASCII keeps every offset: the words are found lower-cased, in one call
        # rather than one per word (most passages are ASCII).
        found = [(m.span(), m.group()) for m in _WORD.finditer(text.lower())]
    else:
        found = [(m.span(), m.group().lower()) for m in _WORD.finditer(text)]
    kept = [(span, word) for span, word in found if word not in STOPWORDS]
    return [span for span, _ in kept], stem(word for _, word in kept)
