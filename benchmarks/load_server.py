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
from retrieval_corpus import Corpus

import server
from server.kb.loader import load_folder
from server.store.database import Store

TENANT = "bench"
DEMO_KB = Path(server.__file__).parent / "demo" / "kb"
READY_TIMEOUT_SECONDS = 120.0
LOG_RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:")
# Variables that would point the server at shared infrastructure instead of its own files.
INHERITED_SETTINGS = ("DATABASE_URL", "REDIS_URL", "CUECARD_DATABASE_URL", "CUECARD_REDIS_URL")
# The synthetic passages' generator is seeded, so every run indexes the same knowledge base.
CORPUS_SEED = 16


@dataclass(frozen=True)
class ServerOptions:
    """How the server under test runs.

    ``workers`` None leaves ``--workers`` off the command line (the server's default, and the
    only choice for a source tree from before the option existed). ``source`` runs the server
    from another checkout of cuecard (``git worktree add``) with this environment's packages,
    to compare commits with one harness.
    """

    workers: int | None = None
    redis_url: str | None = None
    kb_passages: int = 0
    source: Path | None = None
    port: int = 0
    # Conversations that already hold ``history_lines`` lines when the widgets join.
    history: tuple[str, ...] = ()
    history_lines: int = 0
    # More for the server's environment, and directories put on its ``PYTHONPATH`` after the
    # source tree (``memory_profile.py``'s tracemalloc hook).
    environment: tuple[tuple[str, str], ...] = ()
    site_dirs: tuple[Path, ...] = ()


@dataclass
class ServerUnderTest:
    """A running cuecard server (one process, or a supervisor and its workers)."""

    process: subprocess.Popen[bytes]
    base_url: str
    secret_key: str
    api_key: str
    log_path: Path
    command: list[str]
    env: dict[str, str]

    @property
    def pid(self) -> int:
        """The server's (or supervisor's) process id."""
        return self.process.pid

    def processes(self) -> list[psutil.Process]:
        """The server process and every worker it forked."""
        main = psutil.Process(self.pid)
        return [main, *main.children(recursive=True)]

    def rss_bytes(self) -> int:
        """Resident set size of every server process right now, added up."""
        return sum(int(_safe(lambda p: p.memory_info().rss, p)) for p in self.processes())

    def cpu_seconds(self) -> float:
        """User plus system CPU time every server process has used so far, added up."""
        return sum(_safe(_cpu, p) for p in self.processes())

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
        """SIGTERM, then SIGKILL if the server has not exited within fifteen seconds."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    async def restart(self) -> float:
        """Stop the server and start it again on the same port; seconds until it is ready."""
        self.stop()
        started = time.monotonic()
        self.process = _launch(self.command, self.env, self.log_path, "ab")
        await _wait_ready(self)
        return time.monotonic() - started


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _safe(read: object, process: psutil.Process) -> float:
    # A worker may exit between listing and reading; it then counts for nothing.
    try:
        return float(read(process))  # type: ignore[operator]
    except psutil.Error:
        return 0.0


async def seed_database(database_url: str, kb_passages: int) -> str:
    """Create the bench tenant with the demo knowledge base as default; return its API key.

    ``kb_passages`` synthetic one-passage documents (``retrieval_corpus``) are added to it.
    """
    store = await Store.connect(database_url)
    try:
        await store.migrate()
        await store.tenants.create(TENANT, "Load benchmark")
        _, api_key = await store.api_keys.create(TENANT)
        kb = await store.knowledge_bases.create(TENANT, "Help centre", is_default=True)
        documents = load_folder(DEMO_KB)
        if kb_passages:
            documents += Corpus(CORPUS_SEED).documents(kb_passages)
        await store.documents.upsert_many(kb, documents)
    finally:
        await store.aclose()
    return api_key


def free_port() -> int:
    """A loopback TCP port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_server(workdir: Path, options: ServerOptions) -> ServerUnderTest:
    """Seed a fresh SQLite database in ``workdir`` and run ``cuecard serve`` on it."""
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    api_key = await seed_database(database_url, options.kb_passages)
    if options.history and options.history_lines:
        # Imported only here: the journal's models do not exist in trees from before it.
        from load_history import seed_history

        await seed_history(database_url, options.history, options.history_lines)
    secret_key = secrets.token_urlsafe(48)
    port = options.port or free_port()
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}
    env.update(
        CUECARD_SECRET_KEY=secret_key,
        CUECARD_DATABASE_URL=database_url,
        CUECARD_LOG_LEVEL="WARNING",
    )
    if options.redis_url:
        env["CUECARD_REDIS_URL"] = options.redis_url
    env.update(options.environment)
    python_path = ([options.source] if options.source is not None else []) + [*options.site_dirs]
    if python_path:
        env["PYTHONPATH"] = os.pathsep.join(str(path.resolve()) for path in python_path)
    command = _command(port, options)
    log_path = workdir / "server.log"
    process = _launch(command, env, log_path, "wb")
    sut = ServerUnderTest(
        process, f"http://127.0.0.1:{port}", secret_key, api_key, log_path, command, env
    )
    await _wait_ready(sut)
    return sut


def _launch(
    command: list[str], env: dict[str, str], log_path: Path, mode: str
) -> subprocess.Popen[bytes]:
    with log_path.open(mode) as log_file:
        return subprocess.Popen(command, env=env, stdout=log_file, stderr=log_file)


def _command(port: int, options: ServerOptions) -> list[str]:
    """``cuecard serve`` run by this interpreter, so ``PYTHONPATH`` can pick the source tree."""
    entry = "from server.cli import main; main()"
    # -P: the current directory must not shadow the source tree chosen by PYTHONPATH.
    command = [
        sys.executable,
        "-P",
        "-c",
        entry,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    if options.workers is not None:
        command += ["--workers", str(options.workers)]
    return command


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
