"""Where a load run's slow deliveries come from: event-loop stalls and collector pauses.

``watch(directory, role)`` makes this process append to ``<directory>/<role>-<pid>.log`` one
line per event-loop iteration that ran longer than ``LOOP_MS`` (with the innermost frames of
the loop's thread when it was first seen running long) and one per garbage collection that took
longer than ``GC_MS``, each stamped with the wall-clock time it began. ``load.py --stall-log``
turns this on in the server (through ``sitecustomize.py`` beside this file), the poster and
every widget process, and reports what fell inside the posting window.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, TextIO

# Set to a directory, this turns the watch on in every process that calls ``watch_if_asked``.
STALL_LOG_VARIABLE = "CUECARD_STALL_LOG"
HOOK_DIR = Path(__file__).parent
LOOP_MS = 20.0
GC_MS = 5.0
SAMPLE_SECONDS = 0.002
FRAMES = 4


class _Watch:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.iteration_began = 0.0  # perf_counter; 0 while the loop waits in select()
        self.gc_began = 0.0

    def write(self, began_wall: float, line: str) -> None:
        with self.lock:
            self.out.write(f"{began_wall:.3f} {line}\n")
            self.out.flush()


def _timed_run_once(watch: _Watch, run_once: Any) -> Any:
    def run(loop: asyncio.BaseEventLoop) -> None:
        selector = loop._selector  # type: ignore[attr-defined]
        if not getattr(selector, "_stall_watched", False):
            select = selector.select

            def timed_select(timeout: float | None = None) -> Any:
                watch.iteration_began = 0.0
                try:
                    return select(timeout)
                finally:
                    watch.iteration_began = time.perf_counter()

            selector.select = timed_select
            selector._stall_watched = True
        run_once(loop)

    return run


def _on_gc(watch: _Watch, phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        watch.gc_began = time.perf_counter()
        return
    took = (time.perf_counter() - watch.gc_began) * 1000
    if took > GC_MS:
        began = time.time() - took / 1000
        watch.write(began, f"gc gen{info['generation']} {took:.1f} ms")


def _sample(watch: _Watch, loop_thread: int) -> None:
    stall_began, where = 0.0, ""
    while True:
        time.sleep(SAMPLE_SECONDS)
        began = watch.iteration_began
        running = (time.perf_counter() - began) * 1000 if began else 0.0
        if running > LOOP_MS and began == stall_began:
            continue  # the same long iteration, already noted
        if stall_began and began != stall_began:
            took = (time.perf_counter() - stall_began) * 1000
            watch.write(time.time() - took / 1000, f"loop {took:.0f} ms in {where}")
            stall_began = 0.0
        if running > LOOP_MS:
            frame = sys._current_frames().get(loop_thread)
            stack = traceback.extract_stack(frame, limit=FRAMES) if frame else []
            where = " < ".join(_frame(f) for f in reversed(stack))
            stall_began = began


def _frame(frame: traceback.FrameSummary) -> str:
    return f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"


def watch(directory: str, role: str) -> None:
    """Log this process's loop stalls and collector pauses to ``directory``."""
    out = open(Path(directory) / f"{role}-{os.getpid()}.log", "a", encoding="utf-8")  # noqa: SIM115
    state = _Watch(out)
    loop_class = asyncio.BaseEventLoop
    loop_class._run_once = _timed_run_once(state, loop_class._run_once)  # type: ignore[attr-defined]
    gc.callbacks.append(lambda phase, info: _on_gc(state, phase, info))
    loop_thread = threading.get_ident()
    threading.Thread(target=_sample, args=(state, loop_thread), daemon=True).start()


def watch_if_asked(role: str) -> None:
    """``watch`` the directory ``STALL_LOG_VARIABLE`` names, if it is set."""
    directory = os.environ.get(STALL_LOG_VARIABLE)
    if directory:
        watch(directory, role)


def stall_notes(directory: str, began: float, ended: float) -> list[str]:
    """One note per process that stalled between the wall-clock times ``began`` and ``ended``,
    listing each stall by its offset from ``began``; one note saying so when none did."""
    notes = []
    for log in sorted(Path(directory).glob("*.log")):
        stalls = []
        for line in log.read_text(encoding="utf-8").splitlines():
            at, _, what = line.partition(" ")
            if began <= float(at) <= ended:
                stalls.append(f"{what} at +{float(at) - began:.1f} s")
        if stalls:
            notes.append(f"stalls in {log.stem}: " + "; ".join(stalls))
    quiet = f"stalls: no loop iteration over {LOOP_MS:g} ms, no collection over {GC_MS:g} ms"
    return notes or [quiet]
