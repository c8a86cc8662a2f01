"""Widget worker processes for the recovery benchmark.

Each worker runs its share of the widgets: the fault suite's widget client
(tests/faults/widget.py), which speaks the browser widget's protocol (positions, replays,
``resync``) and reconnects to the other node when its connection drops, after socket.io-client's
first randomised pause. The parent asks the workers, through a pipe, when their widgets were
back and what they show.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import aiohttp
from load_widgets import raise_fd_limit
from pydantic import SecretStr

from server.auth.tokens import TokenService
from tests.faults.widget import FaultWidget

# socket.io-client's first reconnection attempt, as the widget configures it: 1 s ± 50 %.
RECONNECT_DELAY = (0.5, 1.5)
TENANT = "acme"


@dataclass(frozen=True)
class FleetPlan:
    """Widgets ``first``..``first + count - 1`` of one worker."""

    urls: list[str]
    secret_key: str
    first: int
    count: int
    concurrency: int


@dataclass
class Shown:
    """How a worker's widgets compare with what was acknowledged."""

    complete: int = 0
    missing: int = 0
    repeated: int = 0
    out_of_order: int = 0
    widgets: int = 0


@dataclass
class Backs:
    """For the widgets that lost their connection after ``since``: how long until each was
    joined again, in seconds."""

    seconds: list[float] = field(default_factory=list)
    not_back: int = 0


def conversation_of(widget: int) -> str:
    """Two widgets per conversation, one first connected to each node."""
    return f"conv-{widget // 2}"


def agent_of(widget: int) -> str:
    return f"agent-{widget // 2}"


def compare(widget: FaultWidget, expected: list[str]) -> tuple[int, int, int]:
    """(missing, repeated, out of order) of the widget's transcript against ``expected``."""
    shown = widget.shown()
    counts = Counter(shown)
    missing = sum(1 for event_id in expected if event_id not in counts)
    repeated = sum(count - 1 for count in counts.values())
    wanted = set(expected)
    order = list(dict.fromkeys(event_id for event_id in shown if event_id in wanted))
    return missing, repeated, 0 if order == [e for e in expected if e in counts] else 1


async def _open_all(plan: FleetPlan, session: aiohttp.ClientSession) -> list[FaultWidget]:
    tokens = TokenService(SecretStr(plan.secret_key), ttl_seconds=6 * 3600)
    gate = asyncio.Semaphore(plan.concurrency)
    widgets = [
        FaultWidget(
            plan.urls,
            tokens.mint(TENANT, agent_of(index)),
            conversation_of(index),
            first=index % len(plan.urls),
            reconnect_delay=RECONNECT_DELAY,
            http_session=session,
        )
        for index in range(plan.first, plan.first + plan.count)
    ]

    async def open_one(widget: FaultWidget) -> None:
        async with gate:
            await widget.open()

    await asyncio.gather(*(open_one(widget) for widget in widgets))
    return widgets


def _backs(widgets: list[FaultWidget], since: float) -> Backs:
    backs = Backs()
    for widget in widgets:
        lost = [at for at in widget.lost_at if at >= since]
        if not lost:
            continue
        joined = [at for at in widget.joined_at if at >= lost[0]]
        if joined:
            backs.seconds.append(joined[0] - since)
        else:
            backs.not_back += 1
    return backs


def _shown(widgets: list[FaultWidget], expected: dict[str, list[str]], exact: bool) -> Shown:
    shown = Shown(widgets=len(widgets))
    for widget in widgets:
        wanted = expected.get(widget.conversation_id, [])
        missing, repeated, disorder = compare(widget, wanted)
        extra = len(widget.shown()) - len(wanted) if exact else 0
        shown.missing += missing
        shown.repeated += repeated
        shown.out_of_order += disorder
        shown.complete += missing == 0 and repeated == 0 and disorder == 0 and extra <= 0
    return shown


async def _serve(plan: FleetPlan, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        widgets = await _open_all(plan, session)
        pipe.send(len(widgets))
        while (command := await loop.run_in_executor(None, pipe.recv))[0] != "close":
            if command[0] == "backs":
                pipe.send(_backs(widgets, command[1]))
            elif command[0] == "shown":
                pipe.send(_shown(widgets, command[1], command[2]))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(30):
                await asyncio.gather(*(widget.close() for widget in widgets))
    pipe.send("closed")


def worker_main(plan: FleetPlan, pipe: Connection) -> None:
    """Entry point of one widget worker."""
    raise_fd_limit(plan.count * 2 + 256)
    asyncio.run(_serve(plan, pipe))


class Fleet:
    """The parent's handle on the widget workers."""

    def __init__(self, plans: list[FleetPlan]) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipes: list[Connection] = []
        self._processes: list[BaseProcess] = []
        for plan in plans:
            parent_end, child_end = context.Pipe()
            self._pipes.append(parent_end)
            self._processes.append(
                context.Process(target=worker_main, args=(plan, child_end), daemon=True)
            )

    async def open(self) -> int:
        """Start the workers; returns once every widget is connected and joined."""
        for process in self._processes:
            process.start()
        return sum(await self._all(None))

    async def backs(self, since: float) -> Backs:
        merged = Backs()
        for backs in await self._all(("backs", since)):
            merged.seconds += backs.seconds
            merged.not_back += backs.not_back
        return merged

    async def shown(self, expected: dict[str, list[str]], *, exact: bool = False) -> Shown:
        merged = Shown()
        for shown in await self._all(("shown", expected, exact)):
            for name in ("complete", "missing", "repeated", "out_of_order", "widgets"):
                setattr(merged, name, getattr(merged, name) + getattr(shown, name))
        return merged

    async def close(self) -> None:
        await self._all(("close",))
        for process in self._processes:
            process.join(timeout=10)

    async def _all(self, command: Any) -> list[Any]:
        loop = asyncio.get_running_loop()
        if command is not None:
            for pipe in self._pipes:
                pipe.send(command)
        return list(
            await asyncio.gather(*(loop.run_in_executor(None, p.recv) for p in self._pipes))
        )
