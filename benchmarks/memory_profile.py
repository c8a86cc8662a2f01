"""Where an idle widget's server memory goes: tracemalloc on the running server.

Run from the repository root::

    .venv/bin/python benchmarks/memory_profile.py --widgets 2000
    .venv/bin/python benchmarks/memory_profile.py --widgets 2000 --group lineno --top 40

It starts ``cuecard serve`` as ``load.py`` does (fresh SQLite database, demo knowledge base), with
tracemalloc on (``PYTHONTRACEMALLOC``) and a SIGUSR1 hook (``memory_hook/sitecustomize.py``)
that collects garbage and dumps a snapshot. It connects and joins ``--widgets`` widgets, takes a
snapshot, connects and joins as many again, takes another, and prints the difference divided by
the second batch: the Python heap each idle, joined widget costs, grouped by allocation
traceback (``--group traceback``, the innermost ``--frames`` frames) or by line. Comparing two
batches leaves out what the server allocates once (caches, the first connection's imports).
RSS adds the allocator's overhead on top (``load.py`` measures that).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import load_server
from load_server import ServerOptions, ServerUnderTest, start_server
from load_widgets import WidgetFleet, WorkerPlan, raise_fd_limit, split_widgets

HOOK = Path(__file__).parent / "memory_hook"
SETTLE_SECONDS = 3.0
PLUMBING = (
    "asyncio/events.py",
    "asyncio/base_events.py",
    "asyncio/runners.py",
    "click/",
    "server/cli/",
    "asyncio/selector_events.py",
)
DUMP_TIMEOUT_SECONDS = 300.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widgets", type=int, default=2000, help="widgets per batch")
    parser.add_argument("--processes", type=int, default=2, help="client processes per batch")
    parser.add_argument("--frames", type=int, default=12, help="traceback depth recorded")
    parser.add_argument("--group", choices=("traceback", "lineno", "filename"), default="traceback")
    parser.add_argument("--top", type=int, default=25, help="groups printed")
    parser.add_argument("--source", type=Path, help="run the server from another checkout")
    parser.add_argument("--keep", type=Path, help="also save both snapshots in this directory")
    parser.add_argument(
        "--load", type=Path, help="report on snapshots saved by --keep instead of running"
    )
    return parser.parse_args(argv)


def plans(sut: ServerUnderTest, first: int, widgets: int, processes: int) -> list[WorkerPlan]:
    return [
        WorkerPlan(
            base_url=sut.base_url,
            secret_key=sut.secret_key,
            tenant_id="bench",
            first=first + start,
            count=count,
            widgets_per_conversation=1,
            concurrency=50,
            compress=True,
        )
        for start, count in split_widgets(widgets, processes)
    ]


async def connect_batch(sut: ServerUnderTest, first: int, args: argparse.Namespace) -> WidgetFleet:
    fleet = WidgetFleet(plans(sut, first, args.widgets, args.processes))
    fleet.start()
    stats = await fleet.connected()
    failed = sum(s.failed for s in stats)
    print(
        f"[memory] batch from {first}: {sum(s.connected for s in stats)} joined, {failed} failed",
        file=sys.stderr,
    )
    if failed:
        raise SystemExit(f"widgets failed to connect: {[s.errors for s in stats]}")
    return fleet


async def snapshot(sut: ServerUnderTest, base: Path, number: int) -> tracemalloc.Snapshot:
    """Ask the server for snapshot ``number`` and load it once it is written."""
    await asyncio.sleep(SETTLE_SECONDS)
    done = Path(f"{base}.done")
    os.kill(sut.pid, signal.SIGUSR1)
    deadline = time.monotonic() + DUMP_TIMEOUT_SECONDS
    while not _written(done, number):
        if time.monotonic() > deadline:
            raise RuntimeError("the server wrote no snapshot")
        await asyncio.sleep(0.2)
    return tracemalloc.Snapshot.load(f"{base}.{number}")


def _written(done: Path, number: int) -> bool:
    return done.exists() and done.read_text() == str(number)


def report(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, args: argparse.Namespace
) -> None:
    """The difference per widget of the second batch, largest first."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)
    stats = after.compare_to(before, args.group)
    total = sum(s.size_diff for s in stats)
    count = sum(s.count_diff for s in stats)
    per = args.widgets
    print(
        f"Python heap per idle widget: {total / per / 1024:.2f} KiB "
        f"({count / per:.1f} blocks) over {per} widgets, grouped by {args.group}"
    )
    for stat in sorted(stats, key=lambda s: -s.size_diff)[: args.top]:
        frames = [f for f in stat.traceback if not _plumbing(f.filename)]
        where = " <- ".join(f"{_short(f.filename)}:{f.lineno}" for f in reversed(frames[-6:]))
        print(f"{stat.size_diff / per:7.0f} B {stat.count_diff / per:6.2f} blocks  {where}")


def _plumbing(filename: str) -> bool:
    """Frames every allocation has (the event loop running a callback, the CLI)."""
    return any(part in filename for part in PLUMBING)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", "/server/"):
        if marker in filename:
            head = "server/" if marker == "/server/" else ""
            return head + filename.split(marker, 1)[1]
    return filename


async def run(args: argparse.Namespace) -> None:
    # Importing and indexing under tracemalloc is several times slower than without.
    load_server.READY_TIMEOUT_SECONDS = 600.0
    if args.load is not None:
        first, second = (tracemalloc.Snapshot.load(str(args.load / f"trace.{n}")) for n in (0, 1))
        report(first, second, args)
        return
    raise_fd_limit(2 * args.widgets + 1024)
    with tempfile.TemporaryDirectory(prefix="cuecard-memory-") as workdir:
        base = Path(workdir) / "trace"
        options = ServerOptions(
            source=args.source,
            environment=(
                ("PYTHONTRACEMALLOC", str(args.frames)),
                ("CUECARD_TRACEMALLOC_DUMP", str(base)),
            ),
            site_dirs=(HOOK,),
        )
        sut = await start_server(Path(workdir), options)
        fleets = []
        try:
            fleets.append(await connect_batch(sut, 0, args))
            first = await snapshot(sut, base, 0)
            fleets.append(await connect_batch(sut, args.widgets, args))
            second = await snapshot(sut, base, 1)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                for number in (0, 1):
                    shutil.copy(f"{base}.{number}", args.keep / f"trace.{number}")
        finally:
            for fleet in fleets:
                await fleet.close()
            sut.stop()
    report(first, second, args)


def main(argv: list[str] | None = None) -> None:
    asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
