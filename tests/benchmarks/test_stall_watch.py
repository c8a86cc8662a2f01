"""load.py --stall-log: a process's event-loop stalls are reported with where the loop was,
and only those inside the window asked about."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from stall_hook.stall_watch import stall_notes

from tests.benchmarks.conftest import BENCHMARKS

# A process that watches itself, idles, then blocks its loop in a named function.
PROGRAM = textwrap.dedent(
    """
    import asyncio, sys, time
    from stall_hook.stall_watch import watch

    def hold_the_loop():
        time.sleep(0.12)

    async def main():
        await asyncio.sleep(0.3)  # waiting in select() is not a stall
        hold_the_loop()
        await asyncio.sleep(0.1)

    watch(sys.argv[1], "probe")
    asyncio.run(main())
    """
)


def test_a_blocked_loop_is_reported_with_the_function_that_blocked_it(tmp_path: Path) -> None:
    began = time.time()
    subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path)], cwd=BENCHMARKS, check=True, timeout=60
    )
    ended = time.time()

    notes = stall_notes(str(tmp_path), began, ended)

    assert len(notes) == 1
    assert notes[0].startswith("stalls in probe-")
    # On a busy machine other iterations may be noted too; the blocking one must be there.
    (held,) = [stall for stall in notes[0].split("; ") if "hold_the_loop" in stall]
    stall_ms = float(held.split("loop ")[1].split(" ms")[0])
    assert 100 <= stall_ms < 1000


def test_stalls_outside_the_window_are_left_out(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path)], cwd=BENCHMARKS, check=True, timeout=60
    )
    later = time.time() + 1

    assert stall_notes(str(tmp_path), later, later + 10) == [
        "stalls: no loop iteration over 20 ms, no collection over 5 ms"
    ]
