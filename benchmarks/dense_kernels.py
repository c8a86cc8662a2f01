"""The dense leg's product on other kernels: is there a faster exact scan than numpy's?

Indexes the load benchmark's knowledge base (the demo KB plus ``--kb-passages`` synthetic
passages), embeds ``--queries`` of its customer lines, and times the dense leg's work for each
query (every passage scored, the best ``--k`` kept) on each kernel it can import:

- numpy float32, as the server runs it (one BLAS product over the dimension-major matrix);
- faiss-cpu scalar quantizers (8-bit, float16) with the best ``2k`` rescored exactly;
- simsimd's float16 and int8 dot products, the int8 shortlist rescored exactly.

Each is timed warm (the matrix left in the CPU's cache by the previous query) and cold (a
buffer larger than the last-level cache streamed between queries, as a loaded server's other
work does), and checked against numpy's ranking: the share of queries whose top ``k`` (ids and
order) is the same. faiss-cpu and simsimd are not cuecard dependencies; install them into the
virtualenv to compare (``.venv/bin/pip install faiss-cpu simsimd``), and those missing are
skipped.

    .venv/bin/python benchmarks/dense_kernels.py --kb-passages 10000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from load_server import CORPUS_SEED
from load_traffic import customer_texts
from suggest_cpu import NOW, TENANT, documents
from threadpoolctl import threadpool_limits

from server.assist.dense import shared_model
from server.assist.engine import HybridAssistant
from server.store.models import KnowledgeBase

Matrix = npt.NDArray[np.float32]
Ranking = npt.NDArray[np.intp]
Kernel = Callable[[Matrix], Ranking]
# Larger than this machine's last-level cache (16 MiB), so streaming it evicts the matrix.
EVICT_BYTES = 64 * 1024 * 1024


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb-passages", type=int, default=10_000, help="synthetic passages")
    parser.add_argument("--queries", type=int, default=300, help="customer lines embedded")
    parser.add_argument("--k", type=int, default=100, help="passages kept per query")
    return parser.parse_args(argv)


def best(scores: npt.NDArray[np.floating], k: int) -> Ranking:
    """The ``k`` highest scores' positions, best first (ties by position)."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.lexsort((top, -scores[top]))]


def numpy_kernel(rows: Matrix, k: int) -> Kernel:
    columns = np.ascontiguousarray(rows.T)
    return lambda query: best(query @ columns, k)


def rescored(rows: Matrix, shortlist: Ranking, query: Matrix, k: int) -> Ranking:
    """The shortlist ranked by exact float32 scores: the best ``k`` (ties by position)."""
    ordered = np.sort(shortlist)
    return ordered[best(rows[ordered] @ query, k)]


def faiss_kernels(rows: Matrix, k: int) -> dict[str, Kernel]:
    try:
        import faiss  # type: ignore[import-not-found]
    except ImportError:
        print("faiss-cpu not installed: skipped", file=sys.stderr)
        return {}
    faiss.omp_set_num_threads(1)
    kernels: dict[str, Kernel] = {}
    for name, kind in (("faiss 8-bit", "QT_8bit"), ("faiss float16", "QT_fp16")):
        quantizer = getattr(faiss.ScalarQuantizer, kind)
        index = faiss.IndexScalarQuantizer(rows.shape[1], quantizer, faiss.METRIC_INNER_PRODUCT)
        index.train(rows)
        index.add(rows)

        def search(query: Matrix, index: object = index) -> Ranking:
            _, found = index.search(query[None, :], 2 * k)  # type: ignore[attr-defined]
            return rescored(rows, found[0][found[0] >= 0], query, k)

        kernels[name] = search
    return kernels


def simsimd_kernels(rows: Matrix, k: int) -> dict[str, Kernel]:
    try:
        import simsimd  # type: ignore[import-not-found]
    except ImportError:
        print("simsimd not installed: skipped", file=sys.stderr)
        return {}
    halves = rows.astype(np.float16)
    scale = 127 / float(np.abs(rows).max())
    bytes_ = np.round(rows * scale).astype(np.int8)

    def dots(query: npt.NDArray[np.generic], matrix: npt.NDArray[np.generic]) -> Matrix:
        found = simsimd.cdist(query[None, :], matrix, metric="dot", threads=1)
        return np.asarray(found, dtype=np.float32).ravel()

    def half(query: Matrix) -> Ranking:
        return best(dots(query.astype(np.float16), halves), k)

    def int8(query: Matrix) -> Ranking:
        shortlist = best(dots(np.round(query * scale).astype(np.int8), bytes_), 2 * k)
        return rescored(rows, shortlist, query, k)

    return {"simsimd float16": half, "simsimd int8 + rescore": int8}


def timed(kernel: Kernel, queries: Matrix, evict: npt.NDArray[np.uint8] | None) -> float:
    """Milliseconds per query, the kernel's own time only."""
    spent = 0.0
    for query in queries:
        if evict is not None:
            evict += 1
        started = time.perf_counter()
        kernel(query)
        spent += time.perf_counter() - started
    return spent / len(queries) * 1000


async def passage_vectors(kb_passages: int) -> Matrix:
    kb = KnowledgeBase(id="kb", tenant_id=TENANT, name="KB", is_default=True, created_at=NOW)
    assistant = HybridAssistant()
    await assistant.load(kb, documents(kb_passages, CORPUS_SEED))
    return np.ascontiguousarray(assistant._indexes[kb.id]._dense.vectors, dtype=np.float32)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threadpool_limits(limits=1, user_api="blas")  # as ``cuecard serve`` runs
    rows = asyncio.run(passage_vectors(args.kb_passages))
    texts = random.Random(1).choices(customer_texts(), k=args.queries)
    queries = np.asarray(shared_model().embed(texts, norm=True), dtype=np.float32)
    reference = numpy_kernel(rows, args.k)
    kernels = {"numpy float32 (server)": reference}
    kernels |= faiss_kernels(rows, args.k) | simsimd_kernels(rows, args.k)
    expected = [reference(query) for query in queries]
    evict = np.zeros(EVICT_BYTES, dtype=np.uint8)
    print(f"passages {len(rows):,} x {rows.shape[1]} dims, {len(queries)} queries, k={args.k}")
    print(f"{'kernel':<26}{'warm ms':>9}{'cold ms':>9}{'same top k':>12}")
    for name, kernel in kernels.items():
        same = sum(np.array_equal(kernel(q), e) for q, e in zip(queries, expected, strict=True))
        warm, cold = timed(kernel, queries, None), timed(kernel, queries, evict)
        print(f"{name:<26}{warm:>9.3f}{cold:>9.3f}{same / len(queries):>11.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
