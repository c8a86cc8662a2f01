"""One knowledge base's passages, indexed both ways; immutable, replaced whole on change.

Building is CPU-bound and runs in a worker thread; readers keep using the previous index until
the new one is swapped in, so a search never sees half an update.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from server.assist.analysis import terms_many
from server.assist.chunking import Chunk, chunk_document
from server.assist.dense import DenseLeg, Encoder, Vectors, query_vector
from server.assist.fusion import first_seen, fuse_documents
from server.assist.lexical import LexicalLeg, top_k
from server.assist.products import NO_NAMES, NameEvidence, name_evidence, product_names
from server.assist.query import Query
from server.assist.rerank import CANDIDATES as RERANKED
from server.assist.rerank import Relations, Sentences, idf, rerank, sentences_of
from server.assist.spelling import Speller
from server.assist.steps import Procedure, procedures
from server.assist.turns import Classified, classify
from server.store.models import Document

# Passages each leg contributes to fusion. Far more than the cards shown, so that a document
# ranked modestly by both legs can still beat one ranked first by a single leg.
CANDIDATES = 100
# Customer lines whose classification an index remembers (oldest forgotten first).
CLASSIFIED_LINES = 50_000
# How much a query term found in a passage's title or heading adds, relative to its body.
TITLE_WEIGHT = 0.5
_WORDS = re.compile(r"[a-z]+")
# Fused documents, best first: (document number, its best passage, score).
Fused = list[tuple[int, int, float]]


@dataclass(frozen=True, slots=True)
class Entry:
    """A document with its passages, their terms and their vectors (row i for passage i)."""

    document: Document
    chunks: tuple[Chunk, ...]
    terms: tuple[tuple[str, ...], ...]
    vectors: Vectors
    procedures: tuple[Procedure, ...] = ()
    products: NameEvidence = NO_NAMES
    # The document's distinct lower-case words, for typo repair.
    words: frozenset[str] = frozenset()
    sentences: Sentences | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked document and the passage that matched it best."""

    document: Document
    chunk: Chunk
    score: float
    # The passage's position in the index, to reach its analysed terms.
    passage: int = -1
    # How sure the match is (confidence.py): the share of the query's IDF weight found in the
    # document's best passages, and the best cosine of its passages to the query (0 if none).
    coverage: float = 0.0
    cosine: float = 0.0


class KnowledgeIndex:
    """Hybrid search over one knowledge base's passages."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        self._chunks = [chunk for entry in entries for chunk in entry.chunks]
        # Passage -> its document's number (``_documents``): fusion groups ranked passages by
        # these small ints, read from one array, rather than by id strings spread over memory.
        # (An array, not a list: a search runs after the dense product has swept the CPU cache,
        # and two hundred int objects read from all over the heap cost more than the round trip.)
        numbers = {e.document.external_id: n for n, e in enumerate(entries)}
        self._documents = [e.document for e in entries]
        self._document_number = np.array(
            [numbers[c.document_id] for c in self._chunks], dtype=np.intp
        ).reshape(-1)
        self._passage_terms = [frozenset(t) for entry in entries for t in entry.terms]
        # Titles and headings name what a passage is about; they are scored as a field of
        # their own (its own BM25 statistics) whose scores add to the passage's, at a weight
        # (as BM25F does), folded into the body's postings so that a search reads one list.
        body = LexicalLeg([t for entry in entries for t in entry.terms])
        titles = LexicalLeg(terms_many([f"{c.title}\n{c.heading}" for c in self._chunks]))
        self._lexical = body.plus(titles, TITLE_WEIGHT)
        matrix = (
            np.vstack([e.vectors for e in entries]) if entries else np.zeros((0, 0), np.float32)
        )
        self._dense = DenseLeg(matrix)
        # Entries keep views into the one matrix rather than copies, so vectors are held once.
        matrix = self._dense.vectors
        rows = np.cumsum([0] + [len(e.chunks) for e in entries])
        self._entries = {
            e.document.external_id: Entry(
                e.document,
                e.chunks,
                e.terms,
                matrix[a:b],
                e.procedures,
                e.products,
                e.words,
                e.sentences,
            )
            for e, a, b in zip(entries, rows[:-1], rows[1:], strict=True)
        }
        self._share = document_shares(entries)
        # Each known term's IDF, as ``idf`` gives it: every search weighs its terms by it.
        self._idf = {term: idf(share) for term, share in self._share.items()}
        self._relations = Relations(self._sentences)
        self._classified: dict[tuple[str, bool], Classified] = {}
        self.speller = Speller(" ".join(e.words) for e in entries)
        # Whether a name is safe in lower case depends on how every article writes it.
        self.products = tuple(product_names((e.products, e.words) for e in entries))

    @classmethod
    def build(cls, documents: Sequence[Document], encoder: Encoder) -> KnowledgeIndex:
        """Index documents from scratch."""
        return cls(make_entries(documents, encoder, {}))

    def updated(
        self, upserted: Sequence[Document], deleted: Sequence[str], encoder: Encoder
    ) -> KnowledgeIndex:
        """A new index with documents replaced, added and removed.

        Unchanged documents keep their passages, terms and vectors; a changed document reuses
        the vectors of its passages whose text did not change, so an edit re-embeds only what
        was edited. BM25 is rebuilt from the stored terms: its statistics are corpus-wide.
        """
        changed = [doc for doc in upserted if not self._unchanged(doc)]
        previous = {
            d.external_id: self._entries[d.external_id]
            for d in changed
            if d.external_id in self._entries
        }
        entries = dict(self._entries)
        entries.update(
            (doc.external_id, self._refreshed(doc)) for doc in upserted if self._unchanged(doc)
        )
        entries.update(
            (e.document.external_id, e) for e in make_entries(changed, encoder, previous)
        )
        for external_id in deleted:
            entries.pop(external_id, None)
        return KnowledgeIndex(entries.values())

    @property
    def documents(self) -> list[Document]:
        """The indexed documents."""
        return [entry.document for entry in self._entries.values()]

    def __len__(self) -> int:
        """The number of passages."""
        return len(self._chunks)

    def procedures(self, external_id: str) -> tuple[Procedure, ...]:
        """The numbered procedures of one document (none for an unknown one)."""
        entry = self._entries.get(external_id)
        return entry.procedures if entry is not None else ()

    def classify(self, text: str, asked: bool) -> Classified:
        """A customer turn's kind against this knowledge base, remembered: every turn reads the
        conversation's earlier lines again, and each should cost its classification once."""
        key = (text, asked)
        found = self._classified.get(key)
        if found is None:
            found = classify(
                text,
                asked_for_details=asked,
                vocabulary=self.share,
                repair=self.speller.repair_text,
            )
            if len(self._classified) >= CLASSIFIED_LINES:
                self._classified.pop(next(iter(self._classified)))
            self._classified[key] = found
        return found

    def share(self, term: str) -> float:
        """The share of documents that use ``term`` (0 for a term the index does not know)."""
        return self._share.get(term, 0.0)

    def search(self, query: Query, limit: int, encoder: Encoder | None) -> list[Hit]:
        """Up to ``limit`` documents, best first, each with its best passage.

        Without an ``encoder`` (dense retrieval switched off) the ranking is BM25's alone.
        """
        if not query or not self._chunks:
            return []
        groups = query.term_groups()
        lexical = top_k(self._lexical.scores(groups), CANDIDATES, floor=0.0)
        rankings = [[i for i, _ in lexical]]
        dense: list[tuple[int, float]] = []
        dense_passages: list[int] = []
        if encoder is not None and len(self._dense):
            dense = self._dense.search(self.vector(query, encoder), CANDIDATES)
            dense_passages = [i for i, _ in dense]
            rankings.append(dense_passages)
        keep = max(limit, RERANKED)
        fused = self._fuse(rankings, dict(lexical), keep)
        unknown = idf(0.0)
        known = self._idf
        weights = {
            term: weight * known.get(term, unknown) for weight, group in groups for term in group
        }
        ranked = self._reranked(fused, weights)[:limit]
        if not ranked:
            return []
        # Only the top card's evidence decides whether a set is shown (confidence.py).
        return [
            self._assessed(*ranked[0], weights, dense, dense_passages),
            *(self._hit(number, passage, score) for number, passage, score in ranked[1:]),
        ]

    def _hit(
        self, number: int, passage: int, score: float, coverage: float = 0.0, cosine: float = 0.0
    ) -> Hit:
        return Hit(self._documents[number], self._chunks[passage], score, passage, coverage, cosine)

    def _assessed(
        self,
        number: int,
        passage: int,
        score: float,
        weights: dict[str, float],
        dense: list[tuple[int, float]],
        dense_passages: list[int],
    ) -> Hit:
        """Document ``number``'s hit with its evidence: query coverage by its ``passage``, and
        the best cosine of its passages. ``weights`` are the query terms' weights times their
        IDF; ``dense_passages`` are the passages of ``dense``, in order.
        """
        found = self._passage_terms[passage]
        total = sum(weights.values())
        coverage = sum(w for t, w in weights.items() if t in found) / total if total else 0.0
        owners = self._document_number[np.array(dense_passages, dtype=np.intp)]
        mine = np.flatnonzero(owners == number).tolist()
        cosine = max((dense[j][1] for j in mine), default=0.0)
        return self._hit(number, passage, score, coverage, cosine)

    def _reranked(self, fused: Fused, weights: dict[str, float]) -> Fused:
        """Near-duplicate candidates reordered by what only each says (rerank.py); ``weights``
        are the query terms' weights times their IDF."""
        ids = [self._documents[number].external_id for number, _, _ in fused]
        by_id = dict(zip(ids, fused, strict=True))
        order = rerank(
            [(d, score) for d, (_, _, score) in zip(ids, fused, strict=True)],
            self._relations,
            weights,
        )
        return [(by_id[d][0], by_id[d][1], score) for d, score in order]

    def _sentences(self, external_id: str) -> Sentences:
        entry = self._entries[external_id]
        if entry.sentences is None:
            return sentences_of(entry.document.title, entry.document.body)
        return entry.sentences

    def vector(self, query: Query, encoder: Encoder) -> Vectors:
        """The query's direction in the dense space."""
        vectors = encoder.embed([turn.text for turn in query.turns])
        return query_vector(vectors, [turn.weight for turn in query.turns])

    def _fuse(self, rankings: list[list[int]], lexical: dict[int, float], keep: int) -> Fused:
        """The ``keep`` best documents (``fuse_documents``), by number; hits are made only
        for those shown."""
        numbers = self._document_number
        documents_of = [numbers[np.array(r, dtype=np.intp)].tolist() for r in rankings]
        return fuse_documents(rankings, documents_of, lexical, keep)

    def _unchanged(self, document: Document) -> bool:
        entry = self._entries.get(document.external_id)
        return entry is not None and (entry.document.title, entry.document.body) == (
            document.title,
            document.body,
        )

    def _refreshed(self, document: Document) -> Entry:
        # Same text, new metadata (url, tags, timestamps): keep the work, show the new record.
        entry = self._entries[document.external_id]
        return Entry(
            document,
            entry.chunks,
            entry.terms,
            entry.vectors,
            entry.procedures,
            entry.products,
            entry.words,
            entry.sentences,
        )


def document_shares(entries: Sequence[Entry]) -> dict[str, float]:
    """For each term, the share of the entries' documents that use it."""
    counts: Counter[str] = Counter()
    for entry in entries:
        counts.update({term for passage in entry.terms for term in passage})
    total = max(len(entries), 1)
    return {term: count / total for term, count in counts.items()}


def make_entries(
    documents: Sequence[Document], encoder: Encoder, previous: dict[str, Entry]
) -> list[Entry]:
    """Chunk, analyse and embed documents, reusing vectors of passages seen in ``previous``."""
    chunked = [(doc, tuple(chunk_document(doc))) for doc in documents]
    texts = [chunk.text for _, chunks in chunked for chunk in chunks]
    known = {
        chunk.text: entry.vectors[row]
        for entry in previous.values()
        for row, chunk in enumerate(entry.chunks)
    }
    missing = first_seen(text for text in texts if text not in known)
    known.update(zip(missing, encoder.embed(missing), strict=True))
    analysed = iter(terms_many(texts))
    return [
        Entry(
            doc,
            chunks,
            tuple(tuple(next(analysed)) for _ in chunks),
            np.stack([known[chunk.text] for chunk in chunks]).astype(np.float32),
            tuple(procedures(doc)),
            name_evidence(doc.title, doc.body),
            frozenset(_WORDS.findall(f"{doc.title} {doc.body}".lower())),
            sentences_of(doc.title, doc.body),
        )
        for doc, chunks in chunked
    ]
