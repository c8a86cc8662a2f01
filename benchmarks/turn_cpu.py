"""CPU per customer turn through the pipeline, in one process: everything but HTTP and sockets.

Builds the real app (``create_app``: SQLite journal on its writer thread, in-memory live state,
the knowledge engine over the load benchmark's knowledge base, answers, follow-up), and hands
the load benchmark's customer lines straight to ``Pipeline.process``, one after another, round
robin over ``--conversations`` conversations (the lines ``suggest_cpu.py`` replays). No widget
is connected, so an emit finds no socket and is not even encoded: the figure is what a turn
costs besides the HTTP request, encoding its events and the socket writes (the relay
benchmark's part). It prints the process's CPU time per
turn (the journal's writer thread included) and, with ``--stages``, the event loop's CPU time
in each step of a turn.

    .venv/bin/python benchmarks/turn_cpu.py --kb-passages 10000 --stages
    PYTHONPATH=/tmp/base .venv/bin/python benchmarks/turn_cpu.py   # another checkout
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import random
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from load_server import TENANT, seed_database
from load_traffic import PROVIDER, customer_texts
from pydantic import SecretStr
from suggest_cpu import replay_parser
from threadpoolctl import threadpool_limits

from providers.models import Message, Speaker
from server.answers.service import AnswerService
from server.app import create_app
from server.assist.engine import HybridAssistant
from server.assist.followup import FollowUp
from server.config import Settings
from server.gcpolicy import GcPolicy
from server.ingest.live import LiveWriter
from server.keys import PIPELINE
from server.runner import SWITCH_INTERVAL_SECONDS

# The server freezes what survives every second (server/gcpolicy.py): at 100 events a second,
# every this many turns.
FREEZE_EVERY = 100
READY_SECONDS = 300.0
# Stages timed with --stages: (label, owner, attribute), coroutine functions on the event loop.
STAGES = (
    ("transcript line (journal, state, emit)", LiveWriter, "line"),
    ("knowledge engine (suggest)", HybridAssistant, "suggest"),
    ("card set (journal, emit)", LiveWriter, "suggestions"),
    ("answer (extractive, emit)", AnswerService, "start"),
    ("details (entities, emit)", FollowUp, "customer_said"),
    ("step card", FollowUp, "cards_shown"),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    description = __doc__.splitlines()[0]
    return replay_parser(description, "also time each step on the event loop").parse_args(argv)


def events(args: argparse.Namespace) -> list[Message]:
    """One customer line per event, as ``suggest_cpu.py`` picks them."""
    texts, picker = customer_texts(), random.Random(args.seed)
    now = datetime.now(UTC)
    return [
        Message(
            tenant_id=TENANT,
            provider=PROVIDER,
            provider_event_id=f"ev-{n}",
            conversation_id=f"conv-{n % args.conversations}",
            occurred_at=now,
            speaker=Speaker.CUSTOMER,
            text=picker.choice(texts),
        )
        for n in range(args.events)
    ]


@contextlib.contextmanager
def timed_stages(spent: defaultdict[str, float]) -> Iterator[None]:
    """Wrap each stage so that the event loop's CPU time in it adds up in ``spent``.

    Time a stage spends suspended (waiting for the journal's thread) is not counted; the loop
    runs nothing else meanwhile but a previous turn's answer, which is timed on its own.
    """
    originals = [(owner, name, getattr(owner, name)) for _, owner, name in STAGES]
    for label, owner, name in STAGES:
        setattr(owner, name, _timed(getattr(owner, name), label, spent))
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def _timed(
    function: Callable[..., Coroutine[Any, Any, Any]], label: str, spent: defaultdict[str, float]
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(function)
    async def run(*args: Any, **kwargs: Any) -> Any:
        coroutine = function(*args, **kwargs)
        result: Any = None
        sent: Any = None
        while True:
            started = time.thread_time()
            try:
                step = coroutine.send(sent)
            except StopIteration as stop:
                result = stop.value
                break
            finally:
                spent[label] += time.thread_time() - started
            sent = await _Yield(step)
        return result

    return run


class _Yield:
    """Passes what a wrapped coroutine yielded (a future) on to the event loop."""

    def __init__(self, step: Any) -> None:
        self._step = step

    def __await__(self) -> Any:
        return (yield self._step)


async def wait_ready(base_url: str) -> None:
    """Until ``/readyz`` says the knowledge base is indexed."""
    deadline = time.monotonic() + READY_SECONDS
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            async with session.get(f"{base_url}/readyz") as response:
                if response.status == 200:
                    return
            await asyncio.sleep(0.5)
    raise RuntimeError("the app was not ready in time")


async def replay(args: argparse.Namespace, workdir: Path) -> None:
    threadpool_limits(limits=1, user_api="blas")  # as ``cuecard serve`` runs
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    database_url = f"sqlite+aiosqlite:///{workdir / 'turns.db'}"
    await seed_database(database_url, args.kb_passages)
    settings = Settings(
        secret_key=SecretStr(secrets.token_urlsafe(48)), database_url=database_url, redis_url=None
    )
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        await wait_ready(f"http://127.0.0.1:{runner.addresses[0][1]}")
        await measure(args, app[PIPELINE])
    finally:
        await runner.cleanup()


async def measure(args: argparse.Namespace, pipeline: Any) -> None:
    batch = events(args)
    spent: defaultdict[str, float] = defaultdict(float)
    gc.collect()
    gc.freeze()  # as ``cuecard serve`` does once it is up (server/runner.py)
    collector = GcPolicy()
    with timed_stages(spent) if args.stages else contextlib.nullcontext():
        started, loop_started = time.process_time(), time.thread_time()
        for n, event in enumerate(batch, start=1):
            await pipeline.process(event)
            if n % FREEZE_EVERY == 0:
                collector.step()
        await asyncio.sleep(0.1)  # the last answer
        cpu, loop_cpu = time.process_time() - started, time.thread_time() - loop_started
    gc.unfreeze()
    print(f"passages            {args.kb_passages:,} synthetic + the demo KB")
    print(f"turns               {len(batch)} over {args.conversations} conversations")
    print(f"CPU per turn        {cpu / len(batch) * 1000:.3f} ms (every thread)")
    print(f"  on the event loop {loop_cpu / len(batch) * 1000:.3f} ms")
    for label, _, _ in STAGES if args.stages else ():
        print(f"  {label:<40} {spent[label] / len(batch) * 1000:.3f} ms")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cuecard-turns-") as workdir:
        asyncio.run(replay(args, Path(workdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
