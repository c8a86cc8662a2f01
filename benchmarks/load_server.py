"""The server under test: a seeded temporary database and ``cuecard serve`` as a subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil  # type: ignore[import-untyped]  # no types-psutil in the dev extras

import server
from server.kb.loader import load_folder
from server.store.database import Store

TENANT = "bench"
DEMO_KB = Path(server.__file__).parent / "demo" / "kb"
READY_TIMEOUT_SECONDS = 60.0
# Variables that would point the server at shared infrastructure instead of its own files.
LOG_RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:")
INHERITED_SETTINGS = ("DATABASE_URL", "REDIS_URL", "CUECARD_DATABASE_URL", "CUECARD_REDIS_URL")


@dataclass(frozen=True)
class ServerUnderTest:
    """A running cuecard server process and what clients need to reach it."""

    process: subprocess.Popen[bytes]
    base_url: str
    secret_key: str
    api_key: str
    log_path: Path

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    def rss_bytes(self) -> int:
        """The server's resident set size right now."""
        return int(psutil.Process(self.pid).memory_info().rss)

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server has used so far."""
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def logged_errors(self) -> list[str]:
        """Each distinct ERROR record of the server's log (its exception line) with its count."""
        records: list[list[str]] = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if LOG_RECORD_START.match(line) or not records:
                records.append([line])
            else:
                records[-1].append(line)
        errors = Counter(
            f"{record[0].split(' ERROR ', 1)[1]} / {record[-1].strip()}"
            for record in records
            if " ERROR " in record[0]
        )
        return [f"server logged {count} x {summary}" for summary, count in errors.most_common(5)]

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if the server has not exited within ten seconds."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def seed_database(database_url: str) -> str:
    """Create the bench tenant with the demo knowledge base as default; return its API key."""
    store = await Store.connect(database_url)
    try:
        await store.migrate()
        await store.tenants.create(TENANT, "Load benchmark")
        _, api_key = await store.api_keys.create(TENANT)
        kb = await store.knowledge_bases.create(TENANT, "Help centre", is_default=True)
        await store.documents.upsert_many(kb, load_folder(DEMO_KB))
    finally:
        await store.aclose()
    return api_key


def free_port() -> int:
    """A loopback TCP port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_server(workdir: Path) -> ServerUnderTest:
    """Seed a fresh SQLite database in ``workdir`` and run ``cuecard serve`` on it."""
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    api_key = await seed_database(database_url)
    secret_key = secrets.token_urlsafe(48)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}
    env.update(
        CUECARD_SECRET_KEY=secret_key,
        CUECARD_DATABASE_URL=database_url,
        CUECARD_LOG_LEVEL="WARNING",
    )
    log_path = workdir / "server.log"
    process = _launch(port, env, log_path)
    sut = ServerUnderTest(process, f"http://127.0.0.1:{port}", secret_key, api_key, log_path)
    await _wait_ready(sut)
    return sut


def _launch(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``cuecard serve`` from this interpreter's environment, output to ``log_path``."""
    cuecard = Path(sys.executable).parent / "cuecard"
    command = [str(cuecard), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log_file:
        return subprocess.Popen(command, env=env, stdout=log_file, stderr=log_file)


async def _wait_ready(sut: ServerUnderTest) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if sut.process.poll() is not None:
                tail = sut.log_path.read_text(errors="replace").splitlines()[-15:]
                raise RuntimeError("the server exited early:\n" + "\n".join(tail))
            try:
                async with session.get(f"{sut.base_url}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server was not ready within {READY_TIMEOUT_SECONDS:.0f} s")
