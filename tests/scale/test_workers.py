"""``cuecard serve --workers``: processes behind one port behave as one server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil  # type: ignore[import-untyped]  # no types-psutil in the dev extras
import pytest
from click.testing import CliRunner

from server.auth.tokens import TokenService
from server.cli import cli
from server.cli.serve import worker_count
from server.cli.workers import MIN_WORKER_LIFE_SECONDS, available_cores
from tests.fixtures.app import (
    SECRET,
    Widget,
    customer_says,
    make_settings,
    open_widget,
    seed_tenants,
)
from tests.fixtures.network import free_port
from tests.fixtures.nodes import CUECARD

pytestmark = pytest.mark.redis

WIDGETS = 20  # all on one of two workers by chance: 2 in a million
READY_SECONDS = 90.0


@dataclass(frozen=True)
class Server:
    """A running ``cuecard serve --workers 2``."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[psutil.Process]:
        return list(psutil.Process(self.process.pid).children())


def wait_until_listening(server: Server) -> None:
    """Block until the supervisor reports every worker ready."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if b"cuecard listening on" in server.log.read_bytes():
            return
        assert server.process.poll() is None, server.log.read_text(errors="replace")
        time.sleep(0.1)
    raise TimeoutError(server.log.read_text(errors="replace"))


@pytest.fixture
async def api_key(tmp_path: Path) -> str:
    keys = await seed_tenants(f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}")
    return keys["acme"]


@pytest.fixture
def server(api_key: str, redis_url: str, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}",
        "CUECARD_REDIS_URL": redis_url,
        "CUECARD_LOG_LEVEL": "INFO",
    }
    command = [str(CUECARD), "serve", "--port", str(port), "--workers", "2"]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    running = Server(process, port, log)
    try:
        wait_until_listening(running)
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=40)


def sockets_per_worker(server: Server) -> list[int]:
    """Established connections each worker holds on the server's port."""
    return [
        sum(
            1
            for connection in worker.net_connections(kind="tcp")
            if connection.laddr.port == server.port and connection.status == "ESTABLISHED"
        )
        for worker in server.workers()
    ]


async def open_widgets(server: Server) -> list[Widget]:
    tokens = TokenService(SECRET, 3600)
    widgets = [
        await open_widget(server.base_url, tokens.mint("acme", f"agent-{n}", supervisor=True))
        for n in range(WIDGETS)
    ]
    for widget in widgets:
        assert (await widget.call("join", {"conversation_id": "conv-1"}))["ok"]
        await widget.next("snapshot")
    return widgets


async def test_two_workers_share_the_port_and_every_widget_gets_each_event_once(
    server: Server, api_key: str
) -> None:
    widgets = await open_widgets(server)
    spread = sockets_per_worker(server)

    async with aiohttp.ClientSession() as session:
        for event_id in ("e1", "e2"):
            body = customer_says(event_id, "my router keeps dropping the connection")
            async with session.post(
                f"{server.base_url}/api/v1/events",
                json=body,
                headers={"Authorization": f"Bearer {api_key}"},
            ) as response:
                assert response.status == 200, await response.text()
    lines = [[(await w.next("transcript", within=10))["line"] for _ in range(2)] for w in widgets]

    assert len(spread) == 2
    assert all(count > 0 for count in spread), spread  # both workers hold widgets
    assert sum(spread) == WIDGETS
    # The event was ingested by one worker; widgets on both got it, numbered the same, once.
    assert all([line["event_id"] for line in got] == ["e1", "e2"] for got in lines)
    numbered = {tuple(line["seq"] for line in got) for got in lines}
    assert len(numbered) == 1  # every widget saw the same positions
    first, second = numbered.pop()
    assert first < second
    await asyncio.sleep(0.2)
    assert all(widget.pending("transcript") == 0 for widget in widgets)
    for widget in widgets:
        await widget.client.disconnect()


async def test_sigterm_stops_every_worker_and_the_supervisor(server: Server) -> None:
    workers = server.workers()
    started = time.monotonic()

    server.process.send_signal(signal.SIGTERM)
    status = await asyncio.to_thread(server.process.wait, 30)

    assert status == 0
    assert len(workers) == 2
    assert not any(worker.is_running() for worker in workers)
    log = server.log.read_text(errors="replace")
    assert "stopping 2 workers" in log
    assert "killing it" not in log  # each worker stopped by itself
    assert time.monotonic() - started < 15


async def test_workers_of_a_killed_supervisor_stop_and_free_the_port(server: Server) -> None:
    workers = server.workers()

    server.process.kill()  # SIGKILL: nothing is forwarded to the workers
    server.process.wait(timeout=10)
    _, alive = await asyncio.to_thread(psutil.wait_procs, workers, 30)

    assert len(workers) == 2
    assert alive == []
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", server.port)) != 0  # nobody serves the port


async def test_a_worker_that_dies_is_replaced_and_the_port_keeps_serving(
    server: Server, api_key: str
) -> None:
    first, second = server.workers()
    # Only a worker that served for a while is replaced (one failing at once stops the server).
    # The workers were started before the server was ready, so this is long enough; psutil's
    # create_time is not (it is read against the boot time, which is whole seconds and moves
    # when the clock is stepped, as on a freshly booted virtual machine).
    await asyncio.sleep(MIN_WORKER_LIFE_SECONDS + 0.5)

    first.kill()
    replaced = await eventually_two_ready_workers(server, gone=first.pid)
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(10):  # new connections, spread over both workers
            async with session.get(f"{server.base_url}/readyz") as response:
                statuses.append(response.status)

    assert second.pid in {worker.pid for worker in replaced}
    assert statuses == [200] * 10
    assert "starting another" in server.log.read_text(errors="replace")


async def eventually_two_ready_workers(server: Server, *, gone: int) -> list[psutil.Process]:
    """The workers once the dead one has been replaced and the new one listens."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        workers = [w for w in server.workers() if w.pid != gone and w.status() != "zombie"]
        if len(workers) == 2 and all(listening(w, server.port) for w in workers):
            return workers
        await asyncio.sleep(0.2)
    raise TimeoutError(server.log.read_text(errors="replace"))


def listening(worker: psutil.Process, port: int) -> bool:
    return any(
        c.laddr.port == port and c.status == "LISTEN" for c in worker.net_connections(kind="tcp")
    )


def test_more_than_one_worker_needs_redis(tmp_path: Path) -> None:
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "CUECARD_REDIS_URL": None,
        "REDIS_URL": None,
    }
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"], env=env)

    assert result.exit_code != 0
    assert "--workers above 1 needs CUECARD_REDIS_URL" in result.output


@pytest.mark.parametrize(
    ("workers", "redis", "expected"),
    [(None, "redis://127.0.0.1:1/0", available_cores()), (None, None, 1), (3, "redis://x/0", 3)],
)
def test_worker_count_defaults_to_the_cores_with_redis_and_one_without(
    workers: int | None, redis: str | None, expected: int, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, workers=workers, redis_url=redis)

    assert worker_count(settings) == expected


def test_a_port_taken_by_another_program_is_refused_clearly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
            "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
            "CUECARD_REDIS_URL": "redis://127.0.0.1:1/0",
        }
        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--workers", "2"], env=env)

    assert result.exit_code != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_a_second_server_on_the_same_port_is_refused(server: Server, tmp_path: Path) -> None:
    # SO_REUSEPORT would let it share the port with the first one's workers unnoticed.
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'other.db'}",
        "CUECARD_REDIS_URL": "redis://127.0.0.1:1/0",
    }
    result = CliRunner().invoke(
        cli, ["serve", "--port", str(server.port), "--workers", "2"], env=env
    )

    assert result.exit_code != 0
    assert "something already listens" in result.output
