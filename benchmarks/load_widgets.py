"""Widget clients in worker processes: connect, join, timestamp every ``suggestions`` event.

Arrival times are ``time.monotonic()`` readings. On Linux that is CLOCK_MONOTONIC, one clock
for every process on the machine, so they compare directly with the poster's send times.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import aiohttp
import psutil  # type: ignore[import-untyped]  # no types-psutil in the dev extras
import socketio
from load_gc import collector_paused
from pydantic import SecretStr
from stall_hook.stall_watch import watch_if_asked

from server.auth.tokens import TokenService

NAMESPACE = "/agent"
CONNECT_TIMEOUT_SECONDS = 60
# aiohttp's client offers permessage-deflate with these window bits, as browsers do.
BROWSER_COMPRESS_BITS = 15


@dataclass(frozen=True)
class WorkerPlan:
    """What one worker process connects: widgets ``first``..``first + count - 1``."""

    base_url: str
    secret_key: str
    tenant_id: str
    first: int
    count: int
    widgets_per_conversation: int
    concurrency: int
    compress: bool
    # The event timed: "suggestions" (matched by trigger_event_id) or "transcript" (by the
    # line's event_id).
    event: str = "suggestions"


@dataclass
class ConnectStats:
    """How one worker's connection phase went."""

    connected: int = 0
    failed: int = 0
    compressed: int = 0
    errors: list[str] = field(default_factory=list)
    # When the first connect began and the last join ended (time.monotonic()) and this
    # worker's CPU seconds in between: the storm itself, without process start-up.
    started: float = 0.0
    finished: float = 0.0
    cpu_seconds: float = 0.0

    def timed(self, started: float, cpu_started: float) -> None:
        """Close the window opened at ``started`` (monotonic) / ``cpu_started`` (process)."""
        self.started, self.finished = started, time.monotonic()
        self.cpu_seconds = time.process_time() - cpu_started

    def failed_with(self, err: Exception) -> None:
        """Count a failed connect, keeping the first few reasons for the report."""
        self.failed += 1
        if len(self.errors) < 5:
            self.errors.append(f"{type(err).__name__}: {err}")


@dataclass
class Arrivals:
    """When the timed event for each posted event reached this worker's widgets (one time
    per widget), how many timed events arrived in all, and when widgets came back after the
    server restarted."""

    seen: dict[str, list[float]] = field(default_factory=dict)
    received: int = 0
    rejoined_at: list[float] = field(default_factory=list)

    def record(self, payload: Any) -> None:
        """Note one ``suggestions`` event."""
        self._note(payload.get("trigger_event_id") if isinstance(payload, dict) else None)

    def record_line(self, payload: Any) -> None:
        """Note one ``transcript`` event."""
        line = payload.get("line") if isinstance(payload, dict) else None
        self._note(line.get("event_id") if isinstance(line, dict) else None)

    def _note(self, event_id: Any) -> None:
        now = time.monotonic()
        self.received += 1
        if isinstance(event_id, str):
            self.seen.setdefault(event_id, []).append(now)


def conversation_of(widget: int, widgets_per_conversation: int) -> str:
    """The conversation widget number ``widget`` joins."""
    return f"conv-{widget // widgets_per_conversation}"


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's soft open-file limit towards ``wanted``; return the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


class BrowserLikeClient(socketio.AsyncClient):  # type: ignore[misc]
    """python-socketio's client, waiting for a reconnection as long as socket.io-client does.

    Its own reconnection attempts wait only 1 s for the namespace to connect (socket.io-client:
    20 s), so a restarted server busy with every widget at once timed them all out, wave after
    wave. Its jitter is ±``randomization_factor`` seconds, not ±50 % of the delay as in
    browsers: a harsher herd than real widgets make.
    """

    async def connect(self, *args: Any, wait_timeout: float = 20, **kwargs: Any) -> None:
        await super().connect(*args, wait_timeout=wait_timeout, **kwargs)


async def _open_widget(
    plan: WorkerPlan, widget: int, token: str, session: aiohttp.ClientSession, sink: Arrivals
) -> socketio.AsyncClient:
    options = {"compress": BROWSER_COMPRESS_BITS} if plan.compress else {}
    # Reconnection like the widget's socket.io-client: 1 s doubling to 5 s, each delay
    # randomised (here by +-0.5 s, see BrowserLikeClient) so a restarted server is not hit by
    # every widget at once.
    client = BrowserLikeClient(
        reconnection=True,
        reconnection_delay=1,
        reconnection_delay_max=5,
        randomization_factor=0.5,
        http_session=session,
        websocket_extra_options=options,
    )
    if plan.event == "transcript":
        client.on("transcript", sink.record_line, namespace=NAMESPACE)
    else:
        client.on("suggestions", sink.record, namespace=NAMESPACE)
    conversation = conversation_of(widget, plan.widgets_per_conversation)
    _rejoin_on_reconnect(client, conversation, sink)
    await client.connect(
        plan.base_url,
        namespaces=[NAMESPACE],
        auth={"token": token},
        transports=["websocket"],
        wait_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    ack = await client.call(
        "join", {"conversation_id": conversation}, namespace=NAMESPACE, timeout=60
    )
    if not (isinstance(ack, dict) and ack.get("ok")):
        await client.disconnect()
        raise RuntimeError(f"join refused: {ack!r}")
    return client


def _rejoin_on_reconnect(client: socketio.AsyncClient, conversation: str, sink: Arrivals) -> None:
    """After a reconnection, join the conversation again (as the widget does) and note when."""
    connects = 0
    pending: set[asyncio.Task[None]] = set()

    async def rejoin() -> None:
        ack = await client.call(
            "join", {"conversation_id": conversation}, namespace=NAMESPACE, timeout=60
        )
        if isinstance(ack, dict) and ack.get("ok"):
            sink.rejoined_at.append(time.monotonic())

    def on_connect() -> None:
        nonlocal connects
        connects += 1
        if connects > 1:
            # The handler runs inside the client's read loop, which must go on to read the ack.
            task = asyncio.get_running_loop().create_task(rejoin())
            pending.add(task)
            task.add_done_callback(pending.discard)

    client.on("connect", on_connect, namespace=NAMESPACE)


def _negotiated_compression(client: socketio.AsyncClient) -> bool:
    """Whether the server accepted permessage-deflate on this client's WebSocket."""
    ws = getattr(client.eio, "ws", None)
    return bool(getattr(ws, "compress", 0))


async def _connect_all(
    plan: WorkerPlan, session: aiohttp.ClientSession, sink: Arrivals
) -> tuple[list[socketio.AsyncClient], ConnectStats]:
    tokens = TokenService(SecretStr(plan.secret_key), ttl_seconds=6 * 3600)
    gate = asyncio.Semaphore(plan.concurrency)
    stats = ConnectStats()
    clients: list[socketio.AsyncClient] = []

    async def connect(widget: int) -> None:
        async with gate:
            # Supervisors may watch any conversation: the traffic assigns none to these agents.
            token = tokens.mint(plan.tenant_id, f"agent-{widget}", supervisor=True)
            try:
                client = await _open_widget(plan, widget, token, session, sink)
            except Exception as err:
                stats.failed_with(err)
                return
            clients.append(client)
            stats.connected += 1
            stats.compressed += _negotiated_compression(client)

    widgets = range(plan.first, plan.first + plan.count)
    started, cpu_started = time.monotonic(), time.process_time()
    await asyncio.gather(*(connect(widget) for widget in widgets))
    stats.timed(started, cpu_started)
    return clients, stats


async def _disconnect_all(clients: list[socketio.AsyncClient]) -> None:
    await asyncio.wait_for(
        asyncio.gather(*(client.disconnect() for client in clients), return_exceptions=True),
        timeout=30,
    )


async def _serve_plan(plan: WorkerPlan, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    sink = Arrivals()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        clients, stats = await _connect_all(plan, session, sink)
        pipe.send(stats)
        # The parent says "report" once the traffic has drained, then "close".
        with collector_paused():
            while (command := await loop.run_in_executor(None, pipe.recv)) != "close":
                if command == "report":
                    pipe.send(sink)
        with contextlib.suppress(TimeoutError):
            await _disconnect_all(clients)
    pipe.send("closed")


def worker_main(plan: WorkerPlan, pipe: Connection) -> None:
    """Entry point of one widget worker process."""
    raise_fd_limit(plan.count + 256)
    watch_if_asked("widgets")
    asyncio.run(_serve_plan(plan, pipe))


class WidgetFleet:
    """The parent's handle on the widget worker processes."""

    def __init__(
        self,
        plans: list[WorkerPlan],
        target: Callable[[WorkerPlan, Connection], None] = worker_main,
    ) -> None:
        """One worker process per plan, running ``target`` (a lean client's entry point, say)."""
        context = multiprocessing.get_context("spawn")
        self._pipes: list[Connection] = []
        self._processes: list[BaseProcess] = []
        for plan in plans:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=target, args=(plan, child_end), daemon=True)
            self._pipes.append(parent_end)
            self._processes.append(process)

    def start(self) -> None:
        """Start every worker; each begins connecting its widgets at once."""
        for process in self._processes:
            process.start()

    async def _ask_all(self, command: str | None) -> list[Any]:
        loop = asyncio.get_running_loop()
        if command is not None:
            for pipe in self._pipes:
                pipe.send(command)
        return list(
            await asyncio.gather(*(loop.run_in_executor(None, p.recv) for p in self._pipes))
        )

    async def connected(self) -> list[ConnectStats]:
        """Wait until every worker has finished connecting; its stats."""
        return await self._ask_all(None)

    async def arrivals(self) -> list[Arrivals]:
        """What every worker has received so far."""
        return await self._ask_all("report")

    async def close(self) -> None:
        """Disconnect every widget and wait for the workers to exit."""
        await self._ask_all("close")
        for process in self._processes:
            process.join(timeout=10)

    def cpu_seconds(self) -> list[float]:
        """CPU time used so far by each worker process."""
        seconds = []
        for process in self._processes:
            assert process.pid is not None
            times = psutil.Process(process.pid).cpu_times()
            seconds.append(float(times.user + times.system))
        return seconds


def split_widgets(total: int, processes: int) -> list[tuple[int, int]]:
    """(first, count) per process, as even as possible."""
    share, extra = divmod(total, processes)
    ranges, first = [], 0
    for index in range(processes):
        count = share + (1 if index < extra else 0)
        ranges.append((first, count))
        first += count
    return ranges
