"""Shutdown benchmark: how long ``cuecard serve`` takes to exit on SIGTERM with widgets connected.

Run from the repository root::

    .venv/bin/python benchmarks/shutdown.py --widgets 1000

It seeds a fresh SQLite database, starts ``cuecard serve`` on a free loopback port, connects
``--widgets`` Socket.IO clients over WebSocket (python-socketio, reconnection off so that each
disconnect is observed once), sends SIGTERM and prints: the time from SIGTERM to the process
exiting, the time until the last widget saw its connection close, and how many widgets were
told why (the ``closing`` event) first. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import socketio
from load_server import TENANT, ServerOptions, start_server
from load_widgets import raise_fd_limit
from pydantic import SecretStr

from server.auth.tokens import TokenService

NAMESPACE = "/agent"
EXIT_LIMIT_SECONDS = 120.0


class Widget:
    """One client, noting when it heard ``closing`` and when its connection closed."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.told: float | None = None
        self.closed: float | None = None
        self.client.on("closing", self._closing, namespace=NAMESPACE)
        self.client.on("disconnect", self._disconnected, namespace=NAMESPACE)

    def _closing(self, payload: Any) -> None:
        self.told = time.monotonic()

    def _disconnected(self, *reason: Any) -> None:
        self.closed = time.monotonic()


async def connect(widgets: list[Widget], base_url: str, tokens: TokenService, at_once: int) -> None:
    """Connect every widget, ``at_once`` handshakes at a time."""
    gate = asyncio.Semaphore(at_once)

    async def one(index: int, widget: Widget) -> None:
        async with gate:
            await widget.client.connect(
                base_url,
                namespaces=[NAMESPACE],
                auth={"token": tokens.mint(TENANT, f"agent-{index}")},
                transports=["websocket"],
                wait_timeout=60,
            )

    await asyncio.gather(*(one(index, widget) for index, widget in enumerate(widgets)))


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit(args.widgets + 256)
    with tempfile.TemporaryDirectory(prefix="cuecard-shutdown-") as workdir:
        sut = await start_server(Path(workdir), ServerOptions())
        try:
            tokens = TokenService(SecretStr(sut.secret_key), 3600)
            widgets = [Widget() for _ in range(args.widgets)]
            started = time.monotonic()
            await connect(widgets, sut.base_url, tokens, args.connect_concurrency)
            print(f"{args.widgets} widgets connected in {time.monotonic() - started:.1f} s")
            await asyncio.sleep(1.0)  # let the server settle before the signal

            signalled = time.monotonic()
            sut.process.terminate()
            exit_code = await asyncio.to_thread(sut.process.wait, EXIT_LIMIT_SECONDS)
            exited = time.monotonic() - signalled
            await asyncio.sleep(0.5)  # disconnect callbacks still queued in this process
        finally:
            sut.stop()
        report(widgets, signalled, exited, exit_code)


def report(widgets: list[Widget], signalled: float, exited: float, exit_code: int) -> None:
    closed = sorted(w.closed - signalled for w in widgets if w.closed is not None)
    told = sum(
        1 for w in widgets if w.told is not None and w.closed is not None and w.told <= w.closed
    )
    print(f"SIGTERM to exit:              {exited:.2f} s (exit code {exit_code})")
    if closed:
        median = closed[len(closed) // 2]
        print(f"last widget saw its close at: {closed[-1]:.2f} s (median {median:.2f} s)")
    print(f"widgets closed:               {len(closed)} of {len(widgets)}")
    print(f"told why first (closing):     {told} of {len(widgets)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time cuecard serve's shutdown with Socket.IO widgets connected (loopback)."
    )
    parser.add_argument("--widgets", type=int, default=1000, help="Widget clients to connect.")
    parser.add_argument(
        "--connect-concurrency", type=int, default=100, help="Handshakes in flight at once."
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args(sys.argv[1:])))
