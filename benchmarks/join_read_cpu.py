"""CPU per join read in one process: the live record's snapshot of conversations with nothing
recorded yet, as widgets joining in a connect storm read them.

Opens a migrated store on a SQLite file in a temporary directory and reads ``--reads`` snapshots
of distinct empty conversations through ``LiveRecordRepository.snapshot``, one at a time and
then ``--concurrency`` at a time. It prints the process's CPU time per read (the reader's
thread included), so a busy machine inflates it little.

    .venv/bin/python benchmarks/join_read_cpu.py
    PYTHONPATH=/tmp/base .venv/bin/python -P benchmarks/join_read_cpu.py   # another checkout
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from server.journal.service import STATUS_LIMIT
from server.store.database import Store

# A joining widget's limits (the journal's status limit, a screenful of lines); an empty
# conversation's read stops at its position either way.
LINES = 50


async def cpu_per_read(store: Store, reads: int, concurrency: int) -> float:
    """Microseconds of process CPU per snapshot read, ``concurrency`` reads at a time."""
    live = store.live
    started = time.process_time()
    for batch in range(reads // concurrency):
        await asyncio.gather(
            *(
                live.snapshot(
                    "bench", f"c-{concurrency}-{batch}-{n}", lines=LINES, statuses=STATUS_LIMIT
                )
                for n in range(concurrency)
            )
        )
    return 1e6 * (time.process_time() - started) / (reads // concurrency * concurrency)


async def measure(reads: int, levels: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="cuecard-join-reads-") as workdir:
        store = await Store.connect(f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}")
        try:
            await store.migrate()
            await cpu_per_read(store, 100, 1)  # warm: statements built, thread started
            for concurrency in levels:
                micros = await cpu_per_read(store, reads, concurrency)
                print(f"{concurrency:>4} at a time: {micros:6.1f} µs of CPU per read")
        finally:
            await store.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=3000, help="Reads per concurrency level.")
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[1, 10, 100],
        help="Reads waiting at once (several levels measured in turn).",
    )
    args = parser.parse_args()
    if args.reads < 1 or min(args.concurrency) < 1:
        raise SystemExit("--reads and --concurrency must be >= 1")
    asyncio.run(measure(args.reads, args.concurrency))


if __name__ == "__main__":
    main()
