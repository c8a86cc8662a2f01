"""A widget for fault tests: a real Socket.IO client speaking docs/socketio.md as the browser
widget does (widget/src/connection.ts and sequencer.ts), over the nodes a load balancer would
spread it across.

It keeps each position once and in order, asks for a replay (``join`` with ``after``) when a
position is missing or the server says it may have missed some (``resync``), and reconnects to
the next node when its connection drops. What it shows is its transcript: lines by ``seq``,
each ``seq`` once, exactly as the browser widget keeps them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Sequence
from typing import Any

import aiohttp
import socketio

NAMESPACE = "/agent"
GAP_WAIT_SECONDS = 0.5
RECONNECT_SECONDS = (0.25, 1.0)


class Sequencer:
    """widget/src/sequencer.ts in Python: positions passed on once, in order."""

    def __init__(self) -> None:
        self.position: int | None = None
        self._held: dict[int, tuple[str, dict[str, Any]]] = {}

    @property
    def has_gap(self) -> bool:
        return self.position is not None and bool(self._held)

    def accept(self, event: str, data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        position = int(data["position"])
        if self.position is not None and position <= self.position:
            return []
        self._held[position] = (event, data)
        return self._drain()

    def reset(self, position: int) -> list[tuple[str, dict[str, Any]]]:
        self.position = position
        self._held = {p: e for p, e in self._held.items() if p > position}
        return self._drain()

    def settle(self, position: int) -> list[tuple[str, dict[str, Any]]]:
        if self.position is None:
            return self.reset(position)
        ready = [self._held.pop(p) for p in sorted(self._held) if p <= position]
        self.position = max(self.position, position)
        return ready + self._drain()

    def _drain(self) -> list[tuple[str, dict[str, Any]]]:
        ready: list[tuple[str, dict[str, Any]]] = []
        if self.position is None:
            return ready
        while self.position + 1 in self._held:
            self.position += 1
            ready.append(self._held.pop(self.position))
        return ready


class FaultWidget:
    """One agent's widget showing one conversation, reconnecting across ``urls``."""

    def __init__(
        self,
        urls: Sequence[str],
        token: str,
        conversation_id: str,
        first: int,
        *,
        reconnect_delay: tuple[float, float] = RECONNECT_SECONDS,
        http_session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._urls = itertools.cycle(list(urls)[first:] + list(urls)[:first])
        self._token = token
        self._reconnect_delay = reconnect_delay
        self._http_session = http_session
        self.conversation_id = conversation_id
        self.lines: dict[int, str] = {}
        self.statuses: list[str] = []
        self.reconnects = 0
        # When each connection's join was acknowledged, and when connections were lost
        # (time.monotonic()).
        self.joined_at: list[float] = []
        self.lost_at: list[float] = []
        self._sequencer = Sequencer()
        self._client: socketio.AsyncClient | None = None
        self._closing = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._gap_timer: asyncio.TimerHandle | None = None
        self._changed = asyncio.Event()

    def shown(self) -> list[str]:
        """The transcript as the agent sees it: event ids in ``seq`` order."""
        return [self.lines[seq] for seq in sorted(self.lines)]

    async def open(self) -> None:
        """Connect to the first node and join; retries on the next node if refused."""
        await self._connect_somewhere()

    async def wait_showing(self, event_ids: Sequence[str], within: float) -> None:
        """Return once every one of ``event_ids`` is shown; fail after ``within`` seconds."""
        wanted = set(event_ids)
        async with asyncio.timeout(within):
            while not wanted <= set(self.lines.values()):
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._gap_timer is not None:
            self._gap_timer.cancel()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.disconnect()

    async def _connect_somewhere(self) -> None:
        while not self._closing:
            url = next(self._urls)
            client = self._new_client()
            try:
                await client.connect(
                    url,
                    namespaces=[NAMESPACE],
                    auth={"token": self._token},
                    transports=["websocket"],
                    wait_timeout=10,
                )
            except Exception:
                await asyncio.sleep(random.uniform(*self._reconnect_delay))
                continue
            self._client = client
            if await self._join():
                self.joined_at.append(time.monotonic())
                return
            with contextlib.suppress(Exception):
                await client.disconnect()
            await asyncio.sleep(random.uniform(*self._reconnect_delay))

    def _new_client(self) -> socketio.AsyncClient:
        options = {} if self._http_session is None else {"http_session": self._http_session}
        client = socketio.AsyncClient(reconnection=False, **options)
        client.on("disconnect", lambda *reason: self._lost(client), namespace=NAMESPACE)
        client.on("snapshot", self._snapshot, namespace=NAMESPACE)
        client.on("replay", self._replay, namespace=NAMESPACE)
        client.on("resync", self._resync, namespace=NAMESPACE)
        for name in ("transcript", "suggestions", "status"):
            client.on(name, self._positioned(name), namespace=NAMESPACE)
        return client

    async def _join(self) -> bool:
        assert self._client is not None
        payload: dict[str, Any] = {"conversation_id": self.conversation_id}
        if self._sequencer.position is not None:
            payload["after"] = self._sequencer.position
        try:
            ack = await self._client.call("join", payload, namespace=NAMESPACE, timeout=15)
        except Exception:
            return False
        return isinstance(ack, dict) and bool(ack.get("ok"))

    def _lost(self, client: socketio.AsyncClient) -> None:
        if self._closing or client is not self._client:
            return
        self.reconnects += 1
        self.lost_at.append(time.monotonic())
        self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        # As socket.io-client does: a randomised pause before the first attempt.
        await asyncio.sleep(random.uniform(*self._reconnect_delay))
        await self._connect_somewhere()

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _positioned(self, name: str) -> Any:
        def handle(data: dict[str, Any]) -> None:
            if data.get("conversation_id") == self.conversation_id:
                self._show(self._sequencer.accept(name, data))

        return handle

    def _snapshot(self, snapshot: dict[str, Any]) -> None:
        if snapshot.get("conversation_id") != self.conversation_id:
            return
        self.lines = {line["seq"]: line["event_id"] for line in snapshot["transcript"]}
        self._show(self._sequencer.reset(int(snapshot["position"])))

    def _replay(self, replay: dict[str, Any]) -> None:
        if replay.get("conversation_id") != self.conversation_id:
            return
        for item in replay["events"]:
            self._show(self._sequencer.accept(item["event"], item["data"]))
        self._show(self._sequencer.settle(int(replay["position"])))

    def _resync(self, resync: dict[str, Any]) -> None:
        position = self._sequencer.position
        current = resync.get("conversation_id") == self.conversation_id
        if current and position is not None and int(resync["position"]) > position:
            self._spawn(self._join())

    def _show(self, ready: list[tuple[str, dict[str, Any]]]) -> None:
        for name, data in ready:
            if name == "transcript":
                line = data["line"]
                self.lines.setdefault(line["seq"], line["event_id"])
            elif name == "status":
                self.statuses.append(data["status"])
        self._changed.set()
        if self._sequencer.has_gap and self._gap_timer is None:
            self._gap_timer = asyncio.get_running_loop().call_later(
                GAP_WAIT_SECONDS, self._gap_waited
            )

    def _gap_waited(self) -> None:
        self._gap_timer = None
        if self._sequencer.has_gap and not self._closing:
            self._spawn(self._join())
