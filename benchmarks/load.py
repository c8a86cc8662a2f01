"""Load benchmark: many widgets on one cuecard server, customer messages in, suggestions out.

Run from the repository root::

    .venv/bin/python benchmarks/load.py --widgets 1000 --rate 200 --duration 30
    .venv/bin/python benchmarks/load.py --widgets 5000 --rate 0          # idle memory only

It seeds a tenant, an API key and the demo knowledge base into a fresh SQLite database, starts
``cuecard serve`` on a free loopback port (log level WARNING), connects ``--widgets`` Socket.IO
clients over WebSocket from ``--processes`` worker processes (each joins its conversation and,
like a browser, offers permessage-deflate), then posts customer messages to
``POST /api/v1/events`` at ``--rate`` per second for ``--duration`` seconds. It prints the
event→suggestion latency (from just before each POST to the widget receiving the matching
``suggestions`` event), throughput, missing deliveries, CPU use and the server's RSS when idle,
after connecting (→ memory per idle widget) and after the run. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no types-psutil in the dev extras
from load_report import (
    Report,
    add_connections,
    add_latencies,
    render,
    saturation_notes,
)
from load_server import TENANT, ServerUnderTest, start_server
from load_traffic import TrafficPlan, post_messages, probe_handshake
from load_widgets import (
    BROWSER_COMPRESS_BITS,
    WidgetFleet,
    WorkerPlan,
    conversation_of,
    raise_fd_limit,
    split_widgets,
)

# Time left for the server to finish work and free buffers before memory is read.
SETTLE_SECONDS = 3.0
# Time after the last POST for the last suggestions to arrive.
DRAIN_SECONDS = 3.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Load-test a local cuecard server with Socket.IO widgets and "
        "customer-message events (loopback only).",
    )
    parser.add_argument("--widgets", type=int, required=True, help="Widget clients to connect.")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="Events per second (0 = idle run, memory only)."
    )
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of traffic.")
    parser.add_argument(
        "--processes", type=int, default=1, help="Client processes the widgets are spread over."
    )
    parser.add_argument(
        "--widgets-per-conversation",
        type=int,
        default=1,
        help="Widgets joined to each conversation.",
    )
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=100,
        help="Connections opening at once, per process.",
    )
    parser.add_argument(
        "--no-compress",
        action="store_true",
        help="Do not offer permessage-deflate (browsers always offer it).",
    )
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
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


async def connect_widgets(
    report: Report, sut: ServerUnderTest, fleet: WidgetFleet, args: argparse.Namespace
) -> None:
    """Connect and join every widget, then read the server's memory once it settles."""
    started = time.monotonic()
    fleet.start()
    add_connections(report, await fleet.connected(), time.monotonic() - started)
    log(f"{report.connected} widgets connected in {report.connect_seconds:.1f} s")
    await asyncio.sleep(SETTLE_SECONDS)
    report.rss_connected = sut.rss_bytes()


async def run_traffic(
    report: Report, sut: ServerUnderTest, fleet: WidgetFleet, args: argparse.Namespace
) -> None:
    """Post events at the requested rate and match the suggestions the widgets received."""
    counts = audience(args)
    plan = TrafficPlan(sut.base_url, sut.api_key, TENANT, list(counts), args.rate, args.duration)
    cpu_before = cpu_seconds(sut, fleet)
    log(f"posting {args.rate:g} events/s for {args.duration:g} s")
    posted = await post_messages(plan)
    cpu_after = cpu_seconds(sut, fleet)
    report.cpu_share = {
        name: (cpu_after[name] - cpu_before[name]) / posted.seconds for name in cpu_before
    }
    await asyncio.sleep(DRAIN_SECONDS)
    add_latencies(report, posted, await fleet.arrivals(), counts)
    report.notes += [f"POST failed: {error}" for error in posted.errors]
    report.notes += saturation_notes(report.cpu_share)


def cpu_seconds(sut: ServerUnderTest, fleet: WidgetFleet) -> dict[str, float]:
    """CPU time so far of the server, this (posting) process and each widget worker."""
    mine = psutil.Process().cpu_times()
    seconds = {"server": sut.cpu_seconds(), "poster": mine.user + mine.system}
    for index, used in enumerate(fleet.cpu_seconds()):
        seconds[f"widgets-{index}"] = used
    return seconds


async def measure(sut: ServerUnderTest, args: argparse.Namespace) -> Report:
    """Every phase of one run against a started server."""
    report = Report(widgets=args.widgets, processes=args.processes)
    await probe(report, sut, args)
    await asyncio.sleep(SETTLE_SECONDS)
    report.rss_idle = sut.rss_bytes()
    fleet = WidgetFleet(worker_plans(args, sut))
    try:
        await connect_widgets(report, sut, fleet, args)
        if args.rate > 0:
            await run_traffic(report, sut, fleet, args)
        report.rss_after_run = sut.rss_bytes()
    finally:
        log("disconnecting widgets")
        await fleet.close()
    return report


async def run(args: argparse.Namespace) -> Report:
    """Start a server in a temporary directory, measure it, stop it."""
    # The server inherits this limit: one descriptor per widget plus the database and spares.
    raise_fd_limit(args.widgets + 1024)
    with tempfile.TemporaryDirectory(prefix="cuecard-load-") as workdir:
        sut = await start_server(Path(workdir))
        log(f"server pid {sut.pid} on {sut.base_url}")
        try:
            report = await measure(sut, args)
        finally:
            sut.stop()
        report.notes += sut.logged_errors()
        return report


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the figures."""
    print(f"[load] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    args = parse_args(argv)
    if args.widgets < 1 or args.processes < 1 or args.widgets_per_conversation < 1:
        raise SystemExit("--widgets, --processes and --widgets-per-conversation must be >= 1")
    report = asyncio.run(run(args))
    print(render(report))
    if args.json is not None:
        args.json.write_text(report.to_json() + "\n")


if __name__ == "__main__":
    main()
