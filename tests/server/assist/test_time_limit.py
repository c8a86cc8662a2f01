"""The time limit stops a runaway match, and leaves other timers and handlers as they were."""

from __future__ import annotations

import re
import signal
import threading

import pytest

from server.assist.time_limit import TimeLimitExceeded, time_limit


def test_a_runaway_match_is_stopped() -> None:
    with pytest.raises(TimeLimitExceeded), time_limit(0.05):
        re.compile(r"(a|a)*b").search("a" * 40)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_a_quick_block_leaves_no_timer_behind() -> None:
    with time_limit(0.05):
        assert re.search(r"\d+", "order 4410")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_another_timer_is_left_alone() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, _frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_limit(0.01):
            pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < remaining <= 30
        assert fired == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_off_the_main_thread_the_block_runs_without_a_limit() -> None:
    ran: list[bool] = []

    def work() -> None:
        with time_limit(0.01):
            ran.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert ran == [True]
