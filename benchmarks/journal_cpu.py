"""CPU of the journal's writes on a SQLite file, per thread: the writer's and the event loop's.

Opens a migrated store on a SQLite file (the journal's writer thread, as ``cuecard serve`` runs
it) and records what a customer turn records: its transcript line, then its card set (a body of
realistic size), over ``--conversations`` conversations. Turns start ``--rate`` times a second
(0: one after another), and between a turn's two writes the event loop works ``--spin-ms`` of
CPU, as retrieval does, so that the writer thread competes for the interpreter as it does
under load. Prints CPU per write and per turn of the writer thread, the checkpoint thread and
the event loop's thread, user and system apart (``/proc``, 10 ms ticks), and the writer's CPU
measured by its thread clock.

    .venv/bin/python benchmarks/journal_cpu.py
    .venv/bin/python benchmarks/journal_cpu.py --rate 100 --spin-ms 1.3
    PYTHONPATH=/tmp/base .venv/bin/python benchmarks/journal_cpu.py   # another checkout

``--trace`` waits a few seconds before measuring and prints the process id, for
``strace -c -f -p <pid>`` to count the system calls of the measured turns.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from server.cli.common import open_store
from server.journal.service import Journal
from server.runner import SWITCH_INTERVAL_SECONDS
from server.store.models import LiveEntryIn

TENANT = "acme"
PROVIDER = "acme-desk"
TICK = os.sysconf("SC_CLK_TCK")
THREADS = ("MainThread", "sqlite-writer", "sqlite-checkpoint")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3000, help="measured turns (two writes each)")
    parser.add_argument("--warm-up", type=int, default=1000, help="turns before measuring")
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.0, help="turns a second; 0: in turn")
    parser.add_argument("--spin-ms", type=float, default=0.0, help="loop CPU between writes")
    parser.add_argument("--trace", action="store_true", help="pause for strace before measuring")
    return parser.parse_args(argv)


def line_body(n: int) -> str:
    line = {
        "event_id": f"ev-{n}",
        "speaker": "customer",
        "text": "my router keeps dropping the connection every evening, what can I do",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    return orjson.dumps(line).decode()


def set_body(n: int) -> str:
    """A card set as the journal stores one: three cards with quoted snippets."""
    cards = [
        {
            "id": f"kb-{n % 97}-{card}",
            "kind": "article",
            "title": "Wi-Fi drops in the evening: channel congestion and what to change",
            "snippet": "If the connection drops at busy hours, open the router's settings and "
            "move the 2.4 GHz network to channel 1, 6 or 11; restart the router afterwards "
            "and check that its firmware is current. " * 2,
            "highlights": [[3, 13], [40, 47], [120, 126]],
            "source": {"document_id": f"doc-{n % 97}", "title": "Home network guide"},
            "score": 0.8123 - card / 10,
            "trigger_event_id": f"ev-{n}",
        }
        for card in range(3)
    ]
    return orjson.dumps({"trigger_event_id": f"ev-{n}", "items": cards, "reason": None}).decode()


def entry(n: int, conversations: int, kind: str) -> LiveEntryIn:
    body = line_body(n) if kind == "line" else set_body(n)
    return LiveEntryIn(
        tenant_id=TENANT,
        conversation_id=f"conv-{n % conversations}",
        kind="line" if kind == "line" else "suggestions",
        provider=PROVIDER,
        event_id=f"ev-{n}",
        body=body,
    )


@dataclass(frozen=True)
class Cpu:
    """A thread's CPU so far, in seconds."""

    user: float
    system: float


def thread_cpu() -> dict[str, Cpu]:
    """Each named thread's user and system CPU (``/proc``: ticks of 10 ms)."""
    found: dict[str, Cpu] = {}
    for thread in threading.enumerate():
        if thread.name not in THREADS or thread.native_id is None:
            continue
        fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1]
        utime, stime = fields.split()[11:13]
        found[thread.name] = Cpu(int(utime) / TICK, int(stime) / TICK)
    return found


def writer_clock() -> float:
    """The writer thread's CPU time so far, by its own clock (nanosecond resolution)."""
    for thread in threading.enumerate():
        if thread.name == "sqlite-writer" and thread.ident is not None:
            return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    raise RuntimeError("the writer thread is not running")


def spin(seconds: float) -> None:
    """Keep the event loop's thread busy, holding the interpreter, as retrieval does."""
    # perf_counter, not thread_time: reading a thread's CPU clock is a system call.
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


async def turn(journal: Journal, n: int, args: argparse.Namespace) -> None:
    await journal.record(entry(n, args.conversations, "line"))
    spin(args.spin_ms / 1000)
    await journal.record(entry(n, args.conversations, "suggestions"))


async def turns(journal: Journal, first: int, count: int, args: argparse.Namespace) -> None:
    if args.rate <= 0:
        for n in range(first, first + count):
            await turn(journal, n, args)
        return
    loop, started = asyncio.get_running_loop(), time.monotonic()
    running = []
    for n in range(first, first + count):
        await asyncio.sleep(max(0.0, started + (n - first) / args.rate - time.monotonic()))
        running.append(loop.create_task(turn(journal, n, args)))
    await asyncio.gather(*running)


@contextmanager
def measured(count: int) -> Iterator[None]:
    before, clock, wall = thread_cpu(), writer_clock(), time.monotonic()
    yield
    after, clock_after, elapsed = thread_cpu(), writer_clock(), time.monotonic() - wall
    print(f"turns               {count} (two writes each) in {elapsed:.1f} s")
    writer = (clock_after - clock) / count * 1000
    print(f"writer thread       {writer:.3f} ms per turn, {writer / 2:.3f} ms per write (clock)")
    for name in THREADS:
        user = (after[name].user - before[name].user) / count * 1000
        system = (after[name].system - before[name].system) / count * 1000
        print(f"  {name:<18}{user + system:.3f} ms per turn: user {user:.3f}, system {system:.3f}")


async def run(args: argparse.Namespace, workdir: Path) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)  # as ``cuecard serve`` runs
    async with open_store(f"sqlite+aiosqlite:///{workdir / 'journal.db'}") as store:
        journal = Journal(store.live, max_lines=200)
        try:
            await turns(journal, 0, args.warm_up, args)
            if args.trace:
                print(f"pid {os.getpid()}: measuring in 5 s", flush=True)
                await asyncio.sleep(5)
            with measured(args.turns):
                await turns(journal, args.warm_up, args.turns, args)
                await asyncio.sleep(1.1)  # the checkpoint after the last write
            keys = [(TENANT, f"conv-{n}") for n in range(args.conversations)]
            stored = sum((await journal.positions(keys)).values())
            print(f"entries stored      {stored} (newest positions, summed)")
        finally:
            await journal.aclose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cuecard-journal-") as workdir:
        asyncio.run(run(args, Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
