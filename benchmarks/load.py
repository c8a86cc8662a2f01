"""Load benchmark: many widgets on a cuecard server, events in, relays and suggestions out.

Run from the repository root::

    .venv/bin/python benchmarks/load.py --widgets 1000 --rate 200 --duration 30
    .venv/bin/python benchmarks/load.py --widgets 1000 --rate 200 --relay      # transcript only
    .venv/bin/python benchmarks/load.py --widgets 10000 --rate 0 --processes 4  # idle memory
    .venv/bin/python benchmarks/load.py --widgets 2000 --rate 0 --restart --workers 2 --redis
    .venv/bin/python benchmarks/load.py --widgets 10000 --rate 0 --processes 2 --client lean

It seeds a tenant, an API key and the demo knowledge base (plus ``--kb-passages`` synthetic
passages) into a fresh SQLite database, starts ``cuecard serve`` on a free loopback port (log
level WARNING; ``--workers``, and a throwaway redis-server with ``--redis``), connects
``--widgets`` Socket.IO clients over WebSocket from ``--processes`` client processes (each joins
its conversation and, like a browser, offers permessage-deflate; with ``--history`` each
conversation already holds that many lines, a status and a card set, as a call in progress
does, so a join reads them back), then posts messages to
``POST /api/v1/events`` at ``--rate`` per second for ``--duration`` seconds. It prints the
latency from just before each POST to the widget receiving the matching ``suggestions`` (or,
with ``--relay``, ``transcript``) event, throughput, missing deliveries, server CPU seconds per
event, connects per second and the server's memory per idle widget. ``--client lean`` swaps
python-socketio's client for a hand-written one (benchmarks/load_lean_client.py) that costs the
client side less CPU per connect. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no types-psutil in the dev extras
from load_gc import collector_paused
from load_lean_client import lean_worker_main
from load_redis import throwaway_redis
from load_report import (
    Report,
    add_connections,
    add_latencies,
    add_restart,
    render,
    saturation_notes,
)
from load_server import TENANT, ServerOptions, ServerUnderTest, start_server
from load_traffic import TrafficPlan, post_messages, probe_handshake
from load_widgets import (
    BROWSER_COMPRESS_BITS,
    ConnectStats,
    WidgetFleet,
    WorkerPlan,
    conversation_of,
    raise_fd_limit,
    split_widgets,
    worker_main,
)
from stall_hook.stall_watch import (
    HOOK_DIR,
    STALL_LOG_VARIABLE,
    stall_notes,
    watch_if_asked,
)

# Time left for the server to finish work and free buffers before memory is read.
SETTLE_SECONDS = 3.0
# Time after the last POST for the last deliveries to arrive.
DRAIN_SECONDS = 3.0
# How long widgets have to come back after ``--restart``.
RESTART_DEADLINE_SECONDS = 60.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Load-test a local cuecard server with Socket.IO widgets and "
        "message events (loopback only).",
    )
    add = parser.add_argument
    add("--widgets", type=int, required=True, help="Widget clients to connect.")
    add("--rate", type=float, default=0.0, help="Events per second (0 = no traffic).")
    add("--duration", type=float, default=30.0, help="Seconds of traffic.")
    add("--relay", action="store_true", help="Agent lines, timing `transcript` (no retrieval).")
    add("--processes", type=int, default=1, help="Client processes the widgets are spread over.")
    add("--widgets-per-conversation", type=int, default=1, help="Widgets on each conversation.")
    add("--connect-concurrency", type=int, default=100, help="Connects at once, per process.")
    add("--no-compress", action="store_true", help="Do not offer permessage-deflate.")
    add(
        "--client",
        choices=("socketio", "lean"),
        default="socketio",
        help="Widget client: python-socketio's (default) or a lean hand-written one that "
        "costs less CPU per connect, so connect storms measure the server (no --restart).",
    )
    add("--workers", type=int, help="`cuecard serve --workers N` (default: the server's own).")
    add("--redis", action="store_true", help="Run the server with a throwaway redis-server.")
    add("--kb-passages", type=int, default=0, help="Synthetic passages added to the KB.")
    add("--history", type=int, default=0, help="Lines each conversation holds before joins.")
    add("--restart", action="store_true", help="Restart the server; time the widgets' return.")
    add("--source", type=Path, help="Run the server from this cuecard checkout instead.")
    add("--json", type=Path, help="Also write the figures to this JSON file.")
    add(
        "--stall-log",
        type=Path,
        help="Log event-loop stalls and collector pauses of every process to this directory "
        "and report those during the traffic (stall_hook/stall_watch.py).",
    )
    return parser.parse_args(argv)


def worker_plans(args: argparse.Namespace, sut: ServerUnderTest) -> list[WorkerPlan]:
    """One plan per client process, widgets split evenly."""
    return [
        WorkerPlan(
            base_url=sut.base_url,
            secret_key=sut.secret_key,
            tenant_id=TENANT,
            first=first,
            count=count,
            widgets_per_conversation=args.widgets_per_conversation,
            concurrency=args.connect_concurrency,
            compress=not args.no_compress,
            event="transcript" if args.relay else "suggestions",
        )
        for first, count in split_widgets(args.widgets, args.processes)
    ]


def audience(args: argparse.Namespace) -> Counter[str]:
    """How many widgets watch each conversation."""
    return Counter(
        conversation_of(widget, args.widgets_per_conversation) for widget in range(args.widgets)
    )


async def probe(report: Report, sut: ServerUnderTest, args: argparse.Namespace) -> None:
    """Record what one browser-like handshake offers and what the server answers."""
    bits = 0 if args.no_compress else BROWSER_COMPRESS_BITS
    report.offered_extensions, report.answered_extensions, _ = await probe_handshake(
        sut.base_url, bits
    )


async def connect_widgets(report: Report, sut: ServerUnderTest, fleet: WidgetFleet) -> None:
    """Connect and join every widget, then read the server's memory once it settles."""
    cpu_before, started = sut.cpu_seconds(), time.monotonic()
    fleet.start()
    stats = await fleet.connected()
    add_connections(report, stats, time.monotonic() - started)
    report.connect_cpu_seconds = sut.cpu_seconds() - cpu_before
    report.notes.append(storm_note(stats, report.connect_cpu_seconds))
    log(f"{report.connected} widgets connected in {report.connect_seconds:.1f} s")
    await asyncio.sleep(SETTLE_SECONDS)
    report.rss_connected = sut.rss_bytes()


def storm_note(stats: list[ConnectStats], server_cpu_seconds: float) -> str:
    """Connects per second from the first connect to the last join (client start-up left
    out), and the CPU each connect+join cost the server and the clients."""
    connected = max(sum(s.connected for s in stats), 1)
    window = max(s.finished for s in stats) - min(s.started for s in stats)
    client_ms = 1000 * sum(s.cpu_seconds for s in stats) / connected
    return (
        f"connect storm: {window:.1f} s from first connect to last join = "
        f"{connected / window if window > 0 else 0:.0f}/s; per connect+join: server CPU "
        f"{1000 * server_cpu_seconds / connected:.2f} ms (start-up included), "
        f"clients {client_ms:.2f} ms"
    )


async def run_traffic(
    report: Report, sut: ServerUnderTest, fleet: WidgetFleet, args: argparse.Namespace
) -> None:
    """Post events at the requested rate and match the deliveries the widgets received."""
    counts = audience(args)
    speaker = "agent" if args.relay else "customer"
    plan = TrafficPlan(
        sut.base_url, sut.api_key, TENANT, list(counts), args.rate, args.duration, speaker=speaker
    )
    log(f"posting {args.rate:g} events/s for {args.duration:g} s")
    with collector_paused():
        cpu_before, began = cpu_seconds(sut, fleet), time.time()
        posted = await post_messages(plan)
    cpu_after = cpu_seconds(sut, fleet)
    report.cpu_share = {
        name: (cpu_after[name] - cpu_before[name]) / posted.seconds for name in cpu_before
    }
    report.server_cpu_seconds = cpu_after["server"] - cpu_before["server"]
    await asyncio.sleep(DRAIN_SECONDS)
    add_latencies(report, posted, await fleet.arrivals(), counts)
    report.notes += [f"POST failed: {error}" for error in posted.errors]
    if args.stall_log is not None:
        report.notes += stall_notes(str(args.stall_log), began, time.time())
    report.notes += saturation_notes(report.cpu_share)


async def restart_server(report: Report, sut: ServerUnderTest, fleet: WidgetFleet) -> None:
    """Restart the server and wait until every widget has reconnected and joined again."""
    log("restarting the server")
    started = time.monotonic()
    report.restart_ready_seconds = await sut.restart()
    deadline = started + RESTART_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        arrivals = await fleet.arrivals()
        if sum(len(a.rejoined_at) for a in arrivals) >= report.connected:
            break
        await asyncio.sleep(0.5)
    add_restart(report, started, await fleet.arrivals())
    log(f"{report.rejoined} widgets back in {report.rejoin_seconds:.1f} s")


def cpu_seconds(sut: ServerUnderTest, fleet: WidgetFleet) -> dict[str, float]:
    """CPU time so far of the server, this (posting) process and each widget worker."""
    mine = psutil.Process().cpu_times()
    seconds = {"server": sut.cpu_seconds(), "poster": mine.user + mine.system}
    for index, used in enumerate(fleet.cpu_seconds()):
        seconds[f"widgets-{index}"] = used
    return seconds


async def measure(sut: ServerUnderTest, args: argparse.Namespace) -> Report:
    """Every phase of one run against a started server."""
    report = Report(widgets=args.widgets, processes=args.processes, command=sys.argv[1:])
    await probe(report, sut, args)
    await asyncio.sleep(SETTLE_SECONDS)
    report.rss_idle = sut.rss_bytes()
    target = lean_worker_main if args.client == "lean" else worker_main
    fleet = WidgetFleet(worker_plans(args, sut), target)
    try:
        await connect_widgets(report, sut, fleet)
        if args.rate > 0:
            await run_traffic(report, sut, fleet, args)
        report.rss_after_run = sut.rss_bytes()
        if args.restart:
            await restart_server(report, sut, fleet)
    finally:
        log("disconnecting widgets")
        await fleet.close()
    return report


async def run(args: argparse.Namespace) -> Report:
    """Start a server (and Redis) in a temporary directory, measure it, stop it."""
    # The server inherits this limit: one descriptor per widget plus the database and spares.
    raise_fd_limit(args.widgets + 1024)
    with (
        tempfile.TemporaryDirectory(prefix="cuecard-load-") as workdir,
        contextlib.ExitStack() as stack,
    ):
        redis_url = stack.enter_context(throwaway_redis(Path(workdir))) if args.redis else None
        options = ServerOptions(
            args.workers,
            redis_url,
            args.kb_passages,
            args.source,
            history=tuple(audience(args)),
            history_lines=args.history,
            **stall_options(args.stall_log),
        )
        sut = await start_server(Path(workdir), options)
        log(f"server pid {sut.pid} on {sut.base_url}")
        try:
            report = await measure(sut, args)
        finally:
            sut.stop()
        report.notes += sut.logged_errors()
        return report


def stall_options(directory: Path | None) -> dict[str, Any]:
    """Server options that load the stall watch into the server, which this process and its
    widget processes (inheriting the environment) start themselves."""
    if directory is None:
        return {}
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[STALL_LOG_VARIABLE] = str(directory.resolve())
    watch_if_asked("poster")
    return {"site_dirs": (HOOK_DIR,)}


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the figures."""
    print(f"[load] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    args = parse_args(argv)
    if args.widgets < 1 or args.processes < 1 or args.widgets_per_conversation < 1:
        raise SystemExit("--widgets, --processes and --widgets-per-conversation must be >= 1")
    if args.restart and args.client == "lean":
        raise SystemExit("--restart needs --client socketio: the lean client does not reconnect")
    report = asyncio.run(run(args))
    print(render(report))
    if args.json is not None:
        args.json.write_text(report.to_json() + "\n")


if __name__ == "__main__":
    main()
