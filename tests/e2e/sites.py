"""Servers for synchronous Playwright tests: an asyncio loop in a thread, and a module's site
started on it and cleaned up after."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web

DIST = Path(__file__).resolve().parents[2] / "widget" / "dist"
T = TypeVar("T")
SiteT = TypeVar("SiteT")
Started = tuple[SiteT, list[web.AppRunner]]


class Loop:
    """An asyncio loop in a thread, for servers the synchronous Playwright test talks to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def close(self) -> None:
        self.run(_cancel_leftovers())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def _cancel_leftovers() -> None:
    """Cancel what the servers left running (socket pings), so the loop closes cleanly."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@contextmanager
def running_site(
    start: Callable[[Loop], Coroutine[Any, Any, Started[SiteT]]],
) -> Iterator[SiteT]:
    """The site ``start`` builds on a fresh loop (it needs the built widget); its servers are
    cleaned up and the loop closed afterwards."""
    if not (DIST / "index.html").is_file():
        pytest.fail("widget/dist is missing: the widget is not built; run make widget")
    loop = Loop()
    started, runners = loop.run(start(loop))
    try:
        yield started
    finally:
        for runner in reversed(runners):
            loop.run(runner.cleanup())
        loop.close()
