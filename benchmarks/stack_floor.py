"""What the libraries alone cost per relayed event: the floor under the relay target.

Runs a server that does the least a relay can do with cuecard's stack — an aiohttp app whose
one route reads a JSON body, emits it with python-socketio to the room its ``conversation``
names and answers 202 — with no authentication, validation, de-duplication, journal or
telemetry. Widgets (python-socketio clients) each join their own conversation; events are
posted open-loop as ``load.py --relay`` posts them, and the server's CPU time over the traffic
is divided by the events delivered. Compare with ``load.py --relay`` on the same machine:

    .venv/bin/python benchmarks/stack_floor.py --widgets 1000 --rate 100 --duration 30
    .venv/bin/python benchmarks/load.py --widgets 1000 --rate 100 --duration 30 --relay
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import orjson
import socketio
from aiohttp import web

READY_SECONDS = 20.0
CONNECTS_AT_ONCE = 50


def serve(port: int) -> None:
    """The bare relay server (``--serve``)."""
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)

    @sio.event
    async def connect(sid: str, environ: dict[str, object], auth: dict[str, str]) -> None:
        await sio.enter_room(sid, auth["conversation"])

    async def relay(request: web.Request) -> web.Response:
        event = orjson.loads(await request.read())
        await sio.emit("transcript", event, room=event["conversation"])
        return web.json_response({"accepted": 1}, status=202)

    app.router.add_post("/events", relay)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{url}/socket.io/?EIO=4&transport=polling"):
                    return
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def _connect_widgets(
    url: str, widgets: int, arrived: dict[str, float]
) -> list[socketio.AsyncClient]:
    clients: list[socketio.AsyncClient] = []
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    def on_transcript(event: dict[str, str]) -> None:
        arrived[event["id"]] = time.monotonic()

    async def open_one(index: int) -> None:
        client = socketio.AsyncClient(reconnection=False)
        client.on("transcript", on_transcript)
        async with gate:
            await client.connect(
                url, transports=["websocket"], auth={"conversation": f"c{index}"}, wait_timeout=20
            )
        clients.append(client)

    await asyncio.gather(*(open_one(index) for index in range(widgets)))
    return clients


async def _post_all(
    url: str, widgets: int, rate: float, duration: float, sent: dict[str, float]
) -> None:
    async def post(session: aiohttp.ClientSession, index: int) -> None:
        event = {"id": f"ev-{index}", "conversation": f"c{index % widgets}", "text": "x" * 80}
        sent[event["id"]] = time.monotonic()
        async with session.post(f"{url}/events", data=orjson.dumps(event)) as response:
            await response.read()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks, start = [], time.monotonic()
        for index in range(round(rate * duration)):
            await asyncio.sleep(max(0.0, start + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(post(session, index)))
        await asyncio.gather(*tasks)


async def measure(args: argparse.Namespace, url: str, server_pid: int) -> None:
    await _wait_ready(url)
    arrived: dict[str, float] = {}
    sent: dict[str, float] = {}
    clients = await _connect_widgets(url, args.widgets, arrived)
    cpu_before = _cpu_seconds(server_pid)
    await _post_all(url, args.widgets, args.rate, args.duration, sent)
    await asyncio.sleep(1.0)  # the last deliveries
    cpu = _cpu_seconds(server_pid) - cpu_before
    latencies = sorted((arrived[key] - sent[key]) * 1000 for key in sent if key in arrived)
    await asyncio.gather(*(client.disconnect() for client in clients))
    _report(args, cpu, latencies, len(sent))


def _report(args: argparse.Namespace, cpu: float, latencies: list[float], posted: int) -> None:
    delivered = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100) if delivered > 1 else [0.0] * 99
    print(f"bare relay (aiohttp + python-socketio), {args.widgets} widgets, {args.rate:g}/s")
    print(f"delivered                 {delivered} / {posted}")
    print(f"event->widget latency     p50 {quantiles[49]:.1f} ms, p99 {quantiles[98]:.1f} ms")
    print(f"server CPU per event      {cpu / max(delivered, 1) * 1000:.2f} ms ({cpu:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="What aiohttp and python-socketio alone cost per relayed event."
    )
    parser.add_argument("--widgets", type=int, default=1000, help="Widgets, one per conversation.")
    parser.add_argument("--rate", type=float, default=100, help="Events per second.")
    parser.add_argument("--duration", type=float, default=30, help="Seconds of traffic.")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve)
        return 0
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        asyncio.run(measure(args, f"http://127.0.0.1:{port}", server.pid))
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
