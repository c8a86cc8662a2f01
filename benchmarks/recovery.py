"""Recovery benchmark: widgets on two nodes through a node restart and a Redis restart.

Run from the repository root::

    .venv/bin/python benchmarks/recovery.py --widgets 2000

It starts its own redis-server and PostgreSQL cluster (throwaway, on free loopback ports), two
``cuecard serve`` nodes on them, and ``--widgets`` widget clients spread over ``--processes``
worker processes: two per conversation, one connected first to each node, each signed in as the
conversation's assigned agent. A platform delivers agent lines at ``--rate`` per second
throughout, one at a time per conversation, retrying anything but a 2xx on the other node.
Then it restarts node 0 (SIGTERM, start again) and later kills Redis (SIGKILL) and starts it
again empty, and prints how long until the widgets were back and showed everything, and at the
end how many acknowledged lines any widget lacks, shows twice or out of order (0 lost is the
goal). See docs/benchmarks.md, "Recovery benchmark".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))  # the fault suite's widget, platform and processes

from load_widgets import raise_fd_limit, split_widgets  # noqa: E402
from recovery_fleet import Fleet, FleetPlan, Shown, agent_of, conversation_of  # noqa: E402
from recovery_traffic import Traffic  # noqa: E402

from tests.fixtures.app import SECRET, seed_tenants  # noqa: E402
from tests.fixtures.nodes import NodeProcess  # noqa: E402
from tests.fixtures.postgres import find_bindir, start_cluster  # noqa: E402
from tests.fixtures.redis import RedisProcess  # noqa: E402

BACK_WITHIN_SECONDS = 180.0
POLL_SECONDS = 0.25


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time widgets coming back after a node restart and a Redis restart "
        "(two cuecard serve nodes, Redis, PostgreSQL; loopback only)."
    )
    parser.add_argument("--widgets", type=int, default=2000, help="Widget clients (even).")
    parser.add_argument("--processes", type=int, default=4, help="Widget worker processes.")
    parser.add_argument("--rate", type=float, default=20.0, help="Lines delivered per second.")
    parser.add_argument("--connect-concurrency", type=int, default=50, help="Per worker.")
    parser.add_argument("--settle", type=float, default=5.0, help="Seconds between phases.")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[recovery] {message}", file=sys.stderr, flush=True)


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll the widget workers (other processes) until ``check`` holds."""
    deadline = time.monotonic() + BACK_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if await check():
            log(what)
            return
        await asyncio.sleep(POLL_SECONDS)
    raise TimeoutError(f"not within {BACK_WITHIN_SECONDS:.0f} s: {what}")


async def caught_up(fleet: Fleet, traffic: Traffic, since: float) -> float:
    """Seconds from ``since`` until every widget shows every line acknowledged by now."""
    expected = traffic.acknowledged_so_far()

    async def complete() -> bool:
        shown = await fleet.shown(expected)
        return shown.complete == shown.widgets

    await until(complete, "every widget shows every acknowledged line")
    return time.monotonic() - since


async def node_restart(node: NodeProcess, fleet: Fleet, traffic: Traffic) -> dict[str, float]:
    log("restarting node 0 (SIGTERM, then start)")
    since = time.monotonic()
    await asyncio.to_thread(node.stop)
    stopped = time.monotonic() - since
    await asyncio.to_thread(node.start)
    listening = time.monotonic() - since

    async def all_back() -> bool:
        backs = await fleet.backs(since)
        return backs.not_back == 0 and len(backs.seconds) > 0

    await until(all_back, "every widget of node 0 is back")
    backs = await fleet.backs(since)
    return {
        "widgets that lost their connection": len(backs.seconds),
        "node 0 exited after (s)": stopped,
        "node 0 listening again after (s)": listening,
        "last widget back after (s)": max(backs.seconds),
        "median widget back after (s)": sorted(backs.seconds)[len(backs.seconds) // 2],
        "every widget showing every line after (s)": await caught_up(fleet, traffic, since),
    }


async def redis_restart(redis: RedisProcess, fleet: Fleet, traffic: Traffic) -> dict[str, float]:
    log("killing Redis (SIGKILL) and starting it again, empty")
    since = time.monotonic()
    redis.kill()
    await asyncio.to_thread(redis.start)
    restarted = time.monotonic() - since

    async def ingest_back() -> bool:
        return traffic.last_acknowledged > since + restarted

    await until(ingest_back, "the nodes acknowledge events again")
    backs = await fleet.backs(since)
    return {
        "Redis accepting connections after (s)": restarted,
        "first event acknowledged after (s)": traffic.last_acknowledged - since,
        "widgets that lost their connection": len(backs.seconds),
        "every widget showing every line after (s)": await caught_up(fleet, traffic, since),
    }


def report(figures: dict[str, dict[str, float]], final: Shown, traffic: Traffic) -> None:
    for phase, values in figures.items():
        print(phase)
        for name, value in values.items():
            shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
            print(f"  {name:<45} {shown}")
    print("end of run")
    print(f"  {'lines acknowledged':<45} {traffic.count}")
    print(f"  {'deliveries retried (non-2xx, timeouts)':<45} {traffic.platform.retries}")
    print(
        f"  {'widgets showing exactly what was acknowledged':<45} {final.complete}/{final.widgets}"
    )
    print(f"  {'acknowledged lines missing on a widget':<45} {final.missing}")
    print(f"  {'lines shown twice':<45} {final.repeated}")
    print(f"  {'widgets with lines out of order':<45} {final.out_of_order}")


async def run(args: argparse.Namespace, workdir: Path) -> None:
    load_before = os.getloadavg()
    redis = RedisProcess(workdir)
    redis.start()
    # Not under workdir: the PostgreSQL server may run as another user, who must reach it.
    pg_root = Path(tempfile.mkdtemp(prefix="cuecard-recovery-pg-"))
    cluster = start_cluster(find_bindir(), pg_root)
    nodes: list[NodeProcess] = []
    try:
        database_url = cluster.create_database("recovery")
        api_key = (await seed_tenants(database_url))["acme"]
        env = {
            "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
            "CUECARD_DATABASE_URL": database_url,
            "CUECARD_REDIS_URL": redis.url,
            "CUECARD_LOG_LEVEL": "WARNING",
        }
        nodes = [NodeProcess(env, workdir / f"node-{index}.log") for index in range(2)]
        for node in nodes:
            node.launch()
        for node in nodes:
            await asyncio.to_thread(node.wait_ready)
        urls = [node.base_url for node in nodes]
        async with Traffic(urls, api_key, args.widgets // 2, args.rate) as traffic:
            await traffic.assign({conversation_of(w): agent_of(w) for w in range(args.widgets)})
            fleet = Fleet(
                [
                    FleetPlan(
                        urls, SECRET.get_secret_value(), first, count, args.connect_concurrency
                    )
                    for first, count in split_widgets(args.widgets, args.processes)
                ]
            )
            started = time.monotonic()
            connected = await fleet.open()
            log(f"{connected} widgets connected and joined in {time.monotonic() - started:.1f} s")
            try:
                traffic.start()
                await asyncio.sleep(args.settle)
                figures = {"node restart": await node_restart(nodes[0], fleet, traffic)}
                await asyncio.sleep(args.settle)
                figures["Redis restart"] = await redis_restart(redis, fleet, traffic)
                await asyncio.sleep(args.settle)
                await traffic.stop()
                await asyncio.sleep(3)  # the last acknowledged lines reach the widgets
                final = await fleet.shown(traffic.acknowledged_so_far(), exact=True)
            finally:
                await fleet.close()
        report(figures, final, traffic)
        load_after = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} cores; load average (1 min) "
            f"{load_before[0]:.1f} before, {load_after[0]:.1f} after"
        )
    finally:
        for node in nodes:
            node.stop()
        cluster.stop()
        shutil.rmtree(pg_root, ignore_errors=True)
        redis.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.widgets < 2 or args.widgets % 2:
        raise SystemExit("--widgets must be an even number, at least 2")
    raise_fd_limit(args.widgets * 2 + 1024)
    with tempfile.TemporaryDirectory(prefix="cuecard-recovery-") as workdir:
        asyncio.run(run(args, Path(workdir)))


if __name__ == "__main__":
    main()
