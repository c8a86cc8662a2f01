"""Runs the aiohttp application until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import signal
import sys
from collections.abc import Callable

from aiohttp import web
from threadpoolctl import threadpool_limits

from server.config import Settings
from server.errors import CuecardError
from server.gcpolicy import GcPolicy
from server.logs import PathOnlyAccessLogger

SWITCH_INTERVAL_SECONDS = 0.0005


class CannotListen(CuecardError):
    """The configured host and port cannot be listened on (in use, not ours, unknown host)."""

    code = "cannot_listen"


async def serve(
    app: web.Application,
    settings: Settings,
    *,
    on_ready: Callable[[str], None] | None = None,
    reuse_port: bool = False,
) -> None:
    """Serve ``app`` on the configured host and port; ``on_ready`` gets the URL browsers use.

    With ``reuse_port`` the listening socket shares the port with the other workers
    (``SO_REUSEPORT``, server/cli/workers.py).
    """
    # One thread per process for numpy's BLAS: its pool spun on every query vector, costing
    # 2.8 ms of CPU for a 0.3 ms product over 10,000 passages (docs/benchmarks.md). More
    # cores are used by more processes (``--workers``), not by threads inside one.
    threadpool_limits(limits=1, user_api="blas")
    # The journal's SQLite writer thread takes the interpreter lock back after every statement;
    # while the event loop is busy (retrieval), each time it waited up to the default 5 ms
    # switch interval. At 0.5 ms, commits over 3 ms fell from 76 to 23 in a 30 s run at 200
    # events/s (docs/benchmarks.md, "Relay CPU with the journal").
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger, handle_signals=False)
    await runner.setup()
    try:
        await _listen(runner, settings, reuse_port)
        # Everything built at start-up (models, indexes, modules) lives as long as the process;
        # moving it out of the collector's reach removed 200-300 ms full-collection pauses
        # from the latency tail under load (docs/benchmarks.md).
        gc.freeze()
        # Widgets' connections live long too: their objects are frozen as they accumulate.
        collector = asyncio.create_task(GcPolicy().run(), name="gc-policy")
        if on_ready is not None:
            on_ready(announced_url(settings, runner))
        await _until_stopped()
        collector.cancel()
    finally:
        await runner.cleanup()


async def _listen(runner: web.AppRunner, settings: Settings, reuse_port: bool) -> None:
    site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None)
    try:
        await site.start()
    except OSError as err:
        raise CannotListen(_why_not(settings, err)) from err


def _why_not(settings: Settings, err: OSError) -> str:
    where = f"cannot listen on {settings.host}:{settings.port}"
    if err.errno == errno.EADDRINUSE:
        return f"{where}: the port is in use; choose another with --port or CUECARD_PORT"
    if err.errno == errno.EACCES:
        return f"{where}: permission denied (ports below 1024 need privileges)"
    if err.errno == errno.EADDRNOTAVAIL:
        return f"{where}: this machine has no such address; check --host or CUECARD_HOST"
    return f"{where}: {err.strerror or err}"


def announced_url(settings: Settings, runner: web.AppRunner) -> str:
    """The URL browsers use: the public URL, else this host at the port actually bound."""
    if settings.public_url or not runner.addresses:
        return settings.base_url
    port = runner.addresses[0][1]
    return settings.model_copy(update={"port": port}).base_url


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
