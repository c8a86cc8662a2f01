"""How far an approximate dense index would change answers: the replay, searched both ways.

Indexes the load benchmark's knowledge base (the demo KB plus ``--kb-passages`` synthetic
passages; ``--corpus-seed`` draws another synthetic corpus) and replays its customer lines
(``--seed`` picks other lines) through ``HybridAssistant.suggest`` twice over the same index:
once with the dense leg answered by an IVF index over its vectors (``dense_ivf.py``, probing
enough groups for ``--scan-factor`` times the passages wanted), once as the server searches
(every passage vector read). It prints the share of turns whose shown card set (documents and
their order) is the same both ways, the same for the top card, and the IVF search's recall of
the exact top 100 (and top 10) per search.

    .venv/bin/python benchmarks/ann_agreement.py --kb-passages 10000
    .venv/bin/python benchmarks/ann_agreement.py --corpus-seed 2 --seed 2   # unseen data
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import dense_ivf
import numpy as np
from dense_ivf import ClusteredVectors
from load_server import CORPUS_SEED
from suggest_cpu import NOW, TENANT, documents, replay_parser, requests
from threadpoolctl import threadpool_limits

from server.assist.dense import DENSE_FLOOR, DenseLeg
from server.assist.engine import HybridAssistant
from server.assist.index import CANDIDATES
from server.assist.models import CardSet
from server.store.models import KnowledgeBase

Shown = tuple[bool, str | None, tuple[str, ...]]


def parse_args(argv: list[str] | None) -> Any:
    parser = replay_parser(__doc__.splitlines()[0], "unused here")
    parser.add_argument(
        "--corpus-seed", type=int, default=CORPUS_SEED, help="which synthetic corpus"
    )
    parser.add_argument(
        "--scan-factor", type=int, default=dense_ivf.SCAN_FACTOR, help="passages read / k"
    )
    return parser.parse_args(argv)


def shown(cards: CardSet) -> Shown:
    """What the agent sees of a card set: whether it changed, why not, which documents."""
    documents = tuple(item.source.document_id or "" for item in cards.items)
    return (cards.changed, cards.reason, documents)


async def replay(args: Any) -> int:
    threadpool_limits(limits=1, user_api="blas")  # as ``cuecard serve`` runs
    kb = KnowledgeBase(
        id="kb", tenant_id=TENANT, name="Help centre", is_default=True, created_at=NOW
    )
    approximate = HybridAssistant()
    started = time.perf_counter()
    await approximate.load(kb, documents(args.kb_passages, args.corpus_seed))
    print(f"indexed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    index = approximate._indexes[kb.id]
    started = time.perf_counter()
    clustered = ClusteredVectors(index._dense.vectors)
    built = time.perf_counter() - started
    exact = HybridAssistant()
    exact._install(kb, index)  # the same index, with fresh card sets per conversation
    batch = requests(args)
    dense_ivf.SCAN_FACTOR = args.scan_factor
    search = DenseLeg.search
    ivf, exacts = Searches(clustered.search), Searches(functools.partial(search, index._dense))
    DenseLeg.search = ivf.method()  # type: ignore[method-assign]
    approximated = [shown(await approximate.suggest(request)) for request in batch]
    DenseLeg.search = exacts.method()  # type: ignore[method-assign]
    reference = [shown(await exact.suggest(request)) for request in batch]
    DenseLeg.search = search  # type: ignore[method-assign]
    print(f"IVF index            {clustered.groups} groups, built in {built:.2f} s")
    report(args, approximated, reference)
    print(
        f"dense leg CPU        IVF {ivf.cpu_ms():.3f} ms, exact {exacts.cpu_ms():.3f} ms "
        "per search, in the replay"
    )
    recall(ivf.asked, functools.partial(search, index._dense))
    return 0


class Searches:
    """A dense search standing in for ``DenseLeg.search``, timed, its queries kept."""

    def __init__(self, search: Callable[..., list[tuple[int, float]]]) -> None:
        self._search = search
        self.asked: list[tuple[Any, int, float, list[tuple[int, float]]]] = []
        self.cpu = 0.0

    def method(self) -> Callable[..., list[tuple[int, float]]]:
        """A function to put in ``DenseLeg.search``'s place."""

        def search(
            leg: DenseLeg, query: Any, k: int, floor: float = DENSE_FLOOR
        ) -> list[tuple[int, float]]:
            if not np.any(query):
                return []
            started = time.thread_time()
            found = self._search(query, k, floor)
            self.cpu += time.thread_time() - started
            self.asked.append((query.copy(), k, floor, found))
            return found

        return search

    def cpu_ms(self) -> float:
        return self.cpu / max(len(self.asked), 1) * 1000


def recall(
    asked: list[tuple[Any, int, float, list[tuple[int, float]]]],
    exact: Callable[..., list[tuple[int, float]]],
) -> None:
    """The approximate searches' share of the exact top ``k`` (and top 10) they found."""
    top, first = [], []
    for query, k, floor, found in asked:
        best = [i for i, _ in exact(query, k, floor)]
        if best:
            got = {i for i, _ in found}
            top.append(_share(best, got))
            first.append(_share(best[:10], got))
    if top:
        print(
            f"dense recall@{CANDIDATES}     mean {statistics.fmean(top):.3f}, "
            f"median {statistics.median(top):.3f}, min {min(top):.3f} over {len(top)} searches"
        )
        print(f"dense recall@10      mean {statistics.fmean(first):.3f}, min {min(first):.3f}")


def _share(wanted: list[int], got: set[int]) -> float:
    return sum(i in got for i in wanted) / len(wanted)


def report(args: Any, approximated: list[Shown], exacts: list[Shown]) -> None:
    pairs = list(zip(approximated, exacts, strict=True))
    same = sum(a == e for a, e in pairs)
    same_top = sum(a[2][:1] == e[2][:1] for a, e in pairs)
    print(f"passages             {args.kb_passages:,} synthetic (corpus seed {args.corpus_seed})")
    print(f"IVF scan factor      {args.scan_factor} (passages read per search / {CANDIDATES})")
    print(f"turns                {len(pairs)} (replay seed {args.seed})")
    print(f"same card set        {same / len(pairs):.2%} of turns (documents and order)")
    print(f"same top card        {same_top / len(pairs):.2%} of turns")


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(replay(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
