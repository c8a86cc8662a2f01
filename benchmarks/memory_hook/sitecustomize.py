"""Loaded into the server under ``benchmarks/memory_profile.py`` (on its ``PYTHONPATH``).

With tracemalloc started by ``PYTHONTRACEMALLOC``, SIGUSR1 makes the server collect garbage
and dump a snapshot to ``$CUECARD_TRACEMALLOC_DUMP.<n>``, then write ``<n>`` to
``$CUECARD_TRACEMALLOC_DUMP.done`` so that the profiler knows it is complete.
"""

from __future__ import annotations

import gc
import os
import signal
import tracemalloc
from pathlib import Path
from types import FrameType

_dumped = 0


def _dump(signum: int, frame: FrameType | None) -> None:
    global _dumped
    base = os.environ["CUECARD_TRACEMALLOC_DUMP"]
    gc.collect()
    tracemalloc.take_snapshot().dump(f"{base}.{_dumped}")
    Path(f"{base}.done").write_text(str(_dumped))
    _dumped += 1


if os.environ.get("CUECARD_TRACEMALLOC_DUMP") and tracemalloc.is_tracing():
    signal.signal(signal.SIGUSR1, _dump)
