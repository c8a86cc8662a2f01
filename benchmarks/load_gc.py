"""The load generator's own garbage collector, kept out of the window it measures.

A full collection in the posting process or a widget process stops that process's event loop
for 40-80 ms; an event posted or received meanwhile is timed late although the server
answered on time. Measured on 2026-12-07: the slowest delivery of every 1,000-widget run
(69-137 ms) was an event posted during such a collection in the poster, while the server's
loop never stalled (docs/benchmarks.md). The server under test keeps its own collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection in this process inside the block.

    What exists when the block starts is collected and frozen first, so the block starts
    with nothing to collect; garbage made inside it waits until the block ends.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
