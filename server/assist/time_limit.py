"""A time limit for matching tenants' own regular expressions on the event loop.

A tenant admin's entity pattern runs on every customer line of the tenant, on the event loop
every tenant's agents share. A pattern like ``(a|a)*b`` backtracks for longer than the
universe on 40 characters, and no check of the pattern's text catches every such one (see
``entity_rules``). Python's matcher checks for signals as it runs, so a timer signal ends the
match: the line is read without the tenant's types instead of the server stopping for all.

The limit needs the main thread (where the event loop runs) and an idle ``ITIMER_REAL``;
elsewhere, or while another timer is armed, the block runs without one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class TimeLimitExceeded(Exception):
    """The block ran past its limit and was stopped."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` inside the block once ``seconds`` have passed."""
    if not _can_limit():
        yield
        return

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise TimeLimitExceeded

    previous = signal.signal(signal.SIGALRM, expired)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _can_limit() -> bool:
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return False
    # Someone else's timer is running (the worker supervisor's stop alarm): leave it alone.
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
