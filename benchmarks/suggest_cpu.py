"""CPU per suggestion in one process: the knowledge engine alone, without HTTP or Socket.IO.

Indexes the load benchmark's knowledge base (the demo KB plus ``--kb-passages`` synthetic
passages, seeded as ``load.py`` seeds them) and replays its customer lines, round robin over
``--conversations`` conversations, through ``HybridAssistant.suggest`` on one event loop. It
prints the CPU time per suggestion (the process's, so a busy machine inflates it little), a
per-stage breakdown with ``--stages``, and a digest of every card set: equal digests mean two
commits answered every turn the same.

    .venv/bin/python benchmarks/suggest_cpu.py --kb-passages 10000
    PYTHONPATH=/tmp/base .venv/bin/python benchmarks/suggest_cpu.py   # another checkout
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import hashlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from load_server import CORPUS_SEED, DEMO_KB
from load_traffic import customer_texts
from retrieval_corpus import Corpus
from threadpoolctl import threadpool_limits

from providers.models import Speaker
from server.assist import dense, engine, index, lexical
from server.assist.base import AssistRequest, SearchRequest
from server.assist.engine import HybridAssistant
from server.conversation import Line
from server.gcpolicy import GcPolicy
from server.kb.loader import load_folder
from server.store.models import Document, KnowledgeBase

TENANT = "bench"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# Lines of context the pipeline hands the engine (``server.ingest.pipeline.CONTEXT_LINES``).
CONTEXT_LINES = 40
# The server freezes what survives every second (server/gcpolicy.py): at 100 events a second,
# every this many suggestions. Without it, full collections walking the index's millions of
# objects land on whichever stage happens to allocate, which the server never pays.
FREEZE_EVERY = 100
# Stages timed with --stages: (label, owner, attribute).
STAGES = (
    ("search (all of it)", index.KnowledgeIndex, "search"),
    ("  dense leg", dense.DenseLeg, "search"),
    ("  lexical leg (body and titles)", lexical.LexicalLeg, "scores"),
    ("  lexical top_k", index, "top_k"),
    ("  fusion", index.KnowledgeIndex, "_fuse"),
    ("  sibling rerank", index.KnowledgeIndex, "_reranked"),
    ("  query vector", index.KnowledgeIndex, "vector"),
    ("cards (snippets, models)", engine, "to_suggestion"),
    ("reading the conversation", engine, "read_conversation"),
)


def replay_parser(description: str, stages_help: str) -> argparse.ArgumentParser:
    """The options of a replay of the load benchmark's customer lines (this script's and
    ``turn_cpu.py``'s)."""
    parser = argparse.ArgumentParser(description=description)
    add = parser.add_argument
    add("--kb-passages", type=int, default=10_000, help="synthetic passages added to the KB")
    add("--events", type=int, default=3000, help="customer lines replayed")
    add("--conversations", type=int, default=1000, help="conversations they are spread over")
    add("--seed", type=int, default=1, help="which lines each conversation gets")
    add("--stages", action="store_true", help=stages_help)
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = replay_parser(__doc__.splitlines()[0], "also time each stage (adds a little overhead)")
    profile_help = "write a cProfile of the suggestions to FILE"
    parser.add_argument("--profile", metavar="FILE", help=profile_help)
    return parser.parse_args(argv)


def documents(kb_passages: int, corpus_seed: int = CORPUS_SEED) -> list[Document]:
    """The load benchmark's knowledge base as stored documents (another corpus with another
    ``corpus_seed``)."""
    demo = [
        Document(
            id=f"demo-{n}",
            kb_id="kb",
            tenant_id=TENANT,
            external_id=item.external_id,
            title=item.title,
            body=item.body,
            url=str(item.url) if item.url else None,
            updated_at=NOW,
        )
        for n, item in enumerate(load_folder(DEMO_KB))
    ]
    return demo + Corpus(corpus_seed).documents(kb_passages)


def requests(args: argparse.Namespace) -> list[AssistRequest]:
    """One request per customer line, each with its conversation's lines so far."""
    texts, picker = customer_texts(), random.Random(args.seed)
    transcripts: dict[str, list[Line]] = {}
    out = []
    for n in range(args.events):
        conversation = f"conv-{n % args.conversations}"
        lines = transcripts.setdefault(conversation, [])
        text = picker.choice(texts)
        lines.append(
            Line(event_id=f"ev-{n}", speaker=Speaker.CUSTOMER, text=text, occurred_at=NOW, seq=n)
        )
        out.append(
            AssistRequest(
                tenant_id=TENANT,
                conversation_id=conversation,
                lines=lines[-CONTEXT_LINES:],
                trigger_event_id=f"ev-{n}",
            )
        )
    return out


def timed_stages(spent: Counter[str]) -> None:
    """Wrap each stage so that its thread CPU time adds up in ``spent``."""
    for label, owner, name in STAGES:
        setattr(owner, name, _timed(getattr(owner, name), label, spent))


def _timed(function: Callable[..., Any], label: str, spent: Counter[str]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - started

    return run


async def replay(args: argparse.Namespace) -> int:
    # As ``cuecard serve`` runs: numpy's BLAS on one thread (server/runner.py).
    threadpool_limits(limits=1, user_api="blas")
    assistant = HybridAssistant()
    kb = KnowledgeBase(
        id="kb", tenant_id=TENANT, name="Help centre", is_default=True, created_at=NOW
    )
    started = time.perf_counter()
    await assistant.load(kb, documents(args.kb_passages))
    print(f"indexed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    await assistant.search(SearchRequest(tenant_id=TENANT, query="load the model first"))
    batch = requests(args)
    spent: Counter[str] = Counter()
    if args.stages:
        timed_stages(spent)
    gc.collect()
    gc.freeze()  # as ``cuecard serve`` does once it is up (server/runner.py)
    collector = GcPolicy()
    profile = cProfile.Profile() if args.profile else None
    # The process's CPU time: searches of large knowledge bases may run in a worker thread.
    started = time.process_time()
    card_sets = []
    for n, request in enumerate(batch, start=1):
        if profile is not None:
            profile.enable()
        card_sets.append(await assistant.suggest(request))
        if profile is not None:
            profile.disable()
        if n % FREEZE_EVERY == 0:
            collector.step()
    cpu = time.process_time() - started
    if profile is not None:
        profile.dump_stats(args.profile)
    answers = json.dumps([cards.model_dump(mode="json") for cards in card_sets], sort_keys=True)
    print(f"passages            {args.kb_passages:,} synthetic + the demo KB")
    print(f"suggestions         {len(batch)} over {args.conversations} conversations")
    print(f"CPU per suggestion  {cpu / len(batch) * 1000:.3f} ms")
    for label, _, _ in STAGES if args.stages else ():
        print(f"  {label:<30} {spent[label] / len(batch) * 1000:.3f} ms")
    print(f"answers digest      {hashlib.sha256(answers.encode()).hexdigest()[:16]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(replay(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
