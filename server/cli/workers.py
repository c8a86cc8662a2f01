"""Several server processes on one port: a supervisor forks workers that share it.

Each worker is a whole cuecard server (its own event loop, database pool and indexes) that
listens on the same host and port with ``SO_REUSEPORT``; Linux spreads incoming connections
over the workers' sockets. Widgets, de-duplication and live state are shared through Redis, so
an event ingested by one worker reaches widgets connected to another.

The supervisor keeps the port bound (not listening) for its lifetime, so a second server cannot
take it, and a worker stopping for good never leaves the port to someone else. It forwards
SIGTERM and SIGINT to every worker and waits for them to close their sockets; a worker that
dies after it was ready is replaced, one that fails before it is ready stops the server.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import select
import signal
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from types import FrameType

log = logging.getLogger(__name__)

# How long workers have to close their sockets after SIGTERM before they are killed.
STOP_SECONDS = 30.0
POLL_SECONDS = 0.2
# A replaced worker that dies again this soon is failing, not unlucky: the server stops.
MIN_WORKER_LIFE_SECONDS = 5.0
# prctl(2) option: the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1


def available_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0))


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (without listening) ``host:port`` with ``SO_REUSEPORT``; port 0 picks a free one.

    Workers bind the same address with ``SO_REUSEPORT`` and listen; only listening sockets take
    connections, so the supervisor's socket holds the port without receiving any.
    """
    if port and _listening(host, port):
        # Another cuecard with --workers would share the port silently (SO_REUSEPORT).
        raise OSError(f"something already listens on {host}:{port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def stop_with_parent() -> None:
    """Have the kernel send this process SIGTERM when its parent dies (Linux).

    A supervisor killed outright (SIGKILL, the OOM killer) cannot forward the signal: without
    this its workers would go on serving the port, unsupervised, and nothing could restart it.
    """
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("workers will not stop with a killed supervisor (prctl failed)")


def _listening(host: str, port: int) -> bool:
    """Whether a connection to ``host:port`` (loopback for a wildcard host) is accepted."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    try:
        with socket.create_connection((target, port), timeout=0.5):
            return True
    except OSError:
        return False


class WorkerPool:
    """Forks ``count`` workers running ``serve`` and supervises them until stopped.

    ``serve(notify_ready)`` runs in each child and returns when the worker has shut down; it
    calls ``notify_ready()`` once it accepts connections. ``on_ready`` runs in the supervisor
    when every worker is ready.
    """

    def __init__(
        self,
        count: int,
        serve: Callable[[Callable[[], None]], None],
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self._count = count
        self._serve = serve
        self._on_ready = on_ready
        self._workers: dict[int, float] = {}  # pid -> when it was started
        self._ready_pids: set[int] = set()
        self._stopping = False
        self._failed = False
        self._ready_read, self._ready_write = os.pipe()

    def run(self) -> int:
        """Run until SIGTERM or SIGINT (exit status 0) or a worker's failure (1)."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for _ in range(self._count):
                self._spawn()
            while self._workers:
                self._read_ready()
                self._reap()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(self._ready_read)
            os.close(self._ready_write)
        return 1 if self._failed else 0

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            os._exit(self._child())
        self._workers[pid] = time.monotonic()

    def _child(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        os.close(self._ready_read)
        me = os.getpid()
        supervisor = os.getppid()
        stop_with_parent()
        if os.getppid() != supervisor:  # the supervisor died before the line above
            return 1

        def notify_ready() -> None:
            os.write(self._ready_write, me.to_bytes(4, "little"))

        try:
            self._serve(notify_ready)
        except BaseException:
            log.exception("worker %d failed", me)
            return 1
        return 0

    def _read_ready(self) -> None:
        readable, _, _ = select.select([self._ready_read], [], [], POLL_SECONDS)
        if not readable:
            return
        data = os.read(self._ready_read, 4 * self._count)
        for offset in range(0, len(data) - 3, 4):
            self._ready_pids.add(int.from_bytes(data[offset : offset + 4], "little"))
        if len(self._ready_pids & self._workers.keys()) == self._count and self._on_ready:
            on_ready, self._on_ready = self._on_ready, None
            on_ready()

    def _reap(self) -> None:
        while self._workers:
            with suppress(ChildProcessError):
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    return
                self._exited(pid, os.waitstatus_to_exitcode(status))
                continue
            return

    def _exited(self, pid: int, code: int) -> None:
        started = self._workers.pop(pid, None)
        if started is None or self._stopping:
            return
        was_ready = pid in self._ready_pids
        self._ready_pids.discard(pid)
        if was_ready and time.monotonic() - started >= MIN_WORKER_LIFE_SECONDS:
            log.error("worker %d exited (status %d); starting another", pid, code)
            self._spawn()
            return
        log.error("worker %d exited (status %d) before it was serving; stopping", pid, code)
        self._failed = True
        self._stop(signal.SIGTERM, None)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        if not self._stopping:
            self._stopping = True
            log.info("stopping %d workers", len(self._workers))
            signal.signal(signal.SIGALRM, self._kill)
            signal.alarm(int(STOP_SECONDS))
        for pid in self._workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _kill(self, _signum: int, _frame: FrameType | None) -> None:
        for pid in self._workers:
            log.warning("worker %d did not stop in %.0f s; killing it", pid, STOP_SECONDS)
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
