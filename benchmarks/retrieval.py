"""Retrieval speed: index build time and query latency of the knowledge engine's legs.

Builds synthetic knowledge bases of 1k, 10k and 100k passages (see ``retrieval_corpus``) and
measures, for each size, the lexical leg (bm25s), the dense leg (WordLlama + numpy) and the
hybrid search the engine runs, plus rank_bm25's ``BM25Okapi`` on the same terms as the
reference. Query latency includes analysing (and, for dense, embedding) the query.

    .venv/bin/python benchmarks/retrieval.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi
from retrieval_corpus import Corpus

from server.assist.analysis import terms_many
from server.assist.chunking import chunk_document
from server.assist.dense import DenseLeg, WordLlamaEncoder
from server.assist.index import CANDIDATES, KnowledgeIndex
from server.assist.lexical import LexicalLeg
from server.assist.query import typed_query

SIZES = (1_000, 10_000, 100_000)


@dataclass(frozen=True)
class Row:
    """One measured line of the report."""

    size: int
    leg: str
    build_s: float
    p50_ms: float
    p99_ms: float
    qps: float
    queries: int


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="passages")
    parser.add_argument("--queries", type=int, default=300, help="queries per leg and size")
    parser.add_argument(
        "--reference-queries",
        type=int,
        default=30,
        help="queries for rank_bm25, which scores every passage in Python (slow at 100k)",
    )
    parser.add_argument("--seed", type=int, default=7, help="corpus and query seed")
    return parser.parse_args(argv)


def latencies(run: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    """Seconds per query, after one warm-up call."""
    run(queries[0])
    timings = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        timings.append(time.perf_counter() - started)
    return timings


def row(size: int, leg: str, build_s: float, timings: list[float]) -> Row:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Row(
        size,
        leg,
        build_s,
        statistics.median(ordered) * 1000,
        p99 * 1000,
        len(ordered) / sum(ordered),
        len(ordered),
    )


def timed(build: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    built = build()
    return time.perf_counter() - started, built


def measure(size: int, args: argparse.Namespace, encoder: WordLlamaEncoder) -> list[Row]:
    corpus = Corpus(args.seed + size)
    documents = corpus.documents(size)
    queries = corpus.queries(args.queries)
    texts = [chunk.text for doc in documents for chunk in chunk_document(doc)]

    lexical_s, lexical = timed(lambda: LexicalLeg(terms_many(texts)))
    dense_s, dense = timed(lambda: DenseLeg(encoder.embed(texts)))
    hybrid_s, index = timed(lambda: KnowledgeIndex.build(documents, encoder))
    assert isinstance(lexical, LexicalLeg)
    assert isinstance(dense, DenseLeg)
    assert isinstance(index, KnowledgeIndex)
    reference_s, reference = timed(lambda: BM25Okapi(terms_many(texts)))
    assert isinstance(reference, BM25Okapi)

    def lexical_query(text: str) -> object:
        return lexical.search(typed_query(text).term_groups(), CANDIDATES)

    def dense_query(text: str) -> object:
        return dense.search(encoder.embed([text])[0], CANDIDATES)

    def hybrid_query(text: str) -> object:
        return index.search(typed_query(text), 3, encoder)

    def reference_query(text: str) -> object:
        scores = reference.get_scores(terms_many([text])[0])
        return np.argpartition(-scores, CANDIDATES)[:CANDIDATES]

    return [
        row(size, "lexical (bm25s)", lexical_s, latencies(lexical_query, queries)),
        row(size, "dense (WordLlama)", dense_s, latencies(dense_query, queries)),
        row(size, "hybrid (RRF)", hybrid_s, latencies(hybrid_query, queries)),
        row(
            size,
            "rank_bm25 BM25Okapi",
            reference_s,
            latencies(reference_query, queries[: args.reference_queries]),
        ),
    ]


def render(rows: list[Row]) -> str:
    header = (
        f"{'passages':>9}  {'leg':<20} {'build s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'qps':>9} {'queries':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.size:>9,}  {r.leg:<20} {r.build_s:>8.2f} {r.p50_ms:>8.3f} {r.p99_ms:>8.3f} "
            f"{r.qps:>9,.0f} {r.queries:>7}"
        )
    for size in sorted({r.size for r in rows}):
        ours = next(r for r in rows if r.size == size and r.leg.startswith("lexical"))
        ref = next(r for r in rows if r.size == size and r.leg.startswith("rank_bm25"))
        lines.append(f"{size:>9,}  lexical qps / rank_bm25 qps = {ours.qps / ref.qps:,.0f}x")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    encoder = WordLlamaEncoder()
    encoder.embed(["load the model before timing anything"])
    rows: list[Row] = []
    for size in args.sizes:
        rows.extend(measure(size, args, encoder))
        print(f"measured {size:,} passages", file=sys.stderr, flush=True)
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
