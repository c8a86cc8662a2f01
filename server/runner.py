"""Runs the aiohttp application until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import signal
from collections.abc import Callable

from aiohttp import web

from server.config import Settings
from server.errors import CuecardError
from server.logs import PathOnlyAccessLogger


class CannotListen(CuecardError):
    """The configured host and port cannot be listened on (in use, not ours, unknown host)."""

    code = "cannot_listen"


async def serve(
    app: web.Application, settings: Settings, *, on_ready: Callable[[str], None] | None = None
) -> None:
    """Serve ``app`` on the configured host and port; ``on_ready`` gets the URL browsers use."""
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger, handle_signals=False)
    await runner.setup()
    try:
        await _listen(runner, settings)
        # Everything built at start-up (models, indexes, modules) lives as long as the process;
        # moving it out of the collector's reach removed 200-300 ms full-collection pauses
        # from the latency tail under load (docs/benchmarks.md).
        gc.freeze()
        if on_ready is not None:
            on_ready(announced_url(settings, runner))
        await _until_stopped()
    finally:
        await runner.cleanup()


async def _listen(runner: web.AppRunner, settings: Settings) -> None:
    site = web.TCPSite(runner, settings.host, settings.port)
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
