"""A BM25 index over one knowledge base's documents (bm25s, stemmed English)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import Stemmer

from server.store.models import Document

_STEMMER = Stemmer.Stemmer("english")
_PARAGRAPH = re.compile(r"\n\s*\n")
# Markdown that reads as noise on a card: emphasis, inline code, list and heading markers, links.
_MARKDOWN = (
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__|\*|`)"), ""),
    (re.compile(r"^\s*(#+|[-*+]|\d+\.)\s+", re.MULTILINE), ""),
)
SNIPPET_CHARS = 280


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lowercased, stop-word-free, stemmed tokens; the same analysis for corpus and query."""
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, show_progress=False, return_ids=False
    )
    return [list(words) for words in tokens]


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked document and the passage that best matches the query."""

    document: Document
    score: float
    passage: str


class LexicalIndex:
    """BM25 over title + body; the title counts twice because agents recognise articles by it."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self._documents = list(documents)
        self._retriever = bm25s.BM25()
        if self._documents:
            corpus = [f"{doc.title}\n{doc.title}\n{doc.body}" for doc in self._documents]
            self._retriever.index(tokenize(corpus), show_progress=False)

    def __len__(self) -> int:
        return len(self._documents)

    @property
    def documents(self) -> list[Document]:
        """The indexed documents."""
        return list(self._documents)

    def search(self, query: str, limit: int) -> list[Hit]:
        """The best ``limit`` documents with a positive score."""
        query_tokens = tokenize([query])
        if not self._documents or not query_tokens[0]:
            return []
        k = min(limit, len(self._documents))
        ids, scores = self._retriever.retrieve(query_tokens, k=k, show_progress=False)
        terms = set(query_tokens[0])
        return [
            Hit(self._documents[int(i)], float(s), best_passage(self._documents[int(i)], terms))
            for i, s in zip(ids[0], scores[0], strict=True)
            if s > 0
        ]


def best_passage(document: Document, terms: set[str]) -> str:
    """The paragraph sharing most stemmed terms with the query, trimmed to a snippet."""
    paragraphs = [p.strip() for p in _PARAGRAPH.split(document.body) if p.strip()]
    if not paragraphs:
        return ""
    scored = [(len(terms.intersection(tokenize([p])[0])), -n, p) for n, p in enumerate(paragraphs)]
    return snippet(max(scored)[2])


def plain_text(markdown: str) -> str:
    """The text of a Markdown passage without its markup, on one line."""
    for pattern, replacement in _MARKDOWN:
        markdown = pattern.sub(replacement, markdown)
    return " ".join(markdown.split())


def snippet(text: str) -> str:
    """A passage as a one-line, plain-text card snippet of at most SNIPPET_CHARS."""
    text = plain_text(text)
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + "…"
