"""README.md's "Running it for real", run as written, ends at a widget showing suggestions.

The commands are read from the README itself, so the README cannot drift from what works. The
test copies this checkout into a fresh temporary folder (as a clone would have it, plus the
built widget) and runs each ``sh`` block of the section in its own ``bash -euo pipefail``, in
order, changing only what the README tells the reader to change for their machine:

- ``sudo`` lines (system packages, PostgreSQL's user and database) are skipped: the test
  starts its own PostgreSQL and Redis (tests/fixtures/postgres.py and redis.py);
- in ``cuecard.env``, the database and Redis URLs, the port and the public URL are this test's;
- a value the reader pastes (written ``…`` in the README, e.g. ``KEY=cc_…``) is what the
  earlier command printed;
- ``cuecard serve`` runs in the background until the test ends;
- the password prompts of ``admin create`` are answered on standard input.

Everything else runs verbatim, ``pip install .`` included (dependencies come from the package
index, as they would for the reader). Headless Chromium then opens the printed widget URL and
the admin portal, and the README's events must make the promised card appear.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chromium import record_console_error
from tests.fixtures.network import free_port
from tests.fixtures.postgres import PostgresCluster

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
SECTION = "## Running it for real"
# Settings the README tells the reader to set for their machine; the test sets its own.
MACHINE_SETTINGS = (
    "CUECARD_DATABASE_URL",
    "CUECARD_REDIS_URL",
    "CUECARD_PORT",
    "CUECARD_PUBLIC_URL",
)
PLACEHOLDER = "…"
ADMIN_PASSWORD = "a long and private passphrase"
BLOCK_SECONDS = 600  # pip install downloads the dependencies
STARTUP_SECONDS = 90
# How long the widget may take to connect, and a suggestion to arrive, on a loaded machine.
WIDGET_MS = 30_000
KEY_LINE = re.compile(r"^cc_\S+$", re.MULTILINE)


@dataclass
class Walk:
    """The fresh folder, the environment the blocks run in, and what they printed."""

    folder: Path
    env: dict[str, str]
    machine: dict[str, str]
    pasted: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    def prepare(self, block: str) -> str:
        """The block as this machine runs it (see the module docstring)."""
        lines = []
        for line in block.splitlines():
            if line.startswith("sudo "):
                continue
            name = line.split("=", 1)[0]
            if name in self.machine and "=" in line:
                line = f"{name}={self.machine[name]}"
            elif PLACEHOLDER in line and name in self.pasted:
                line = f"{name}={self.pasted[name]}"
            lines.append(line)
        script = "\n".join(lines)
        assert PLACEHOLDER not in script, f"a value to paste that the test cannot fill:\n{script}"
        return script

    def run(self, script: str) -> str:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=self.folder,
            env=self.env,
            input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
            capture_output=True,
            text=True,
            timeout=BLOCK_SECONDS,
            # No terminal: the password prompt reads standard input.
            start_new_session=True,
        )
        assert done.returncode == 0, f"README block failed:\n{script}\n{done.stdout}\n{done.stderr}"
        self.outputs.append(done.stdout)
        return done.stdout


def readme_blocks() -> list[str]:
    """The ``sh`` blocks of the README's "Running it for real" section, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end != -1 else len(text)]
    return re.findall(r"^```sh\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


def fresh_copy(folder: Path) -> Path:
    """This checkout as a clone has it (tracked and new files, nothing ignored) plus the
    built widget; modification times kept, so ``make widget`` sees it up to date."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    dist = [p.relative_to(REPO).as_posix() for p in (REPO / "widget" / "dist").rglob("*")]
    for relative in [*filter(None, listed.split("\0")), *dist]:
        source = REPO / relative
        if source.is_file():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / relative)
    return folder


def clean_env() -> dict[str, str]:
    """This process's environment without cuecard settings or this checkout's virtualenv."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CUECARD_")
        and name not in ("DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV", "PYTHONPATH")
    }
    path = env.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(os.pathsep)
    env["PATH"] = os.pathsep.join(p for p in path if not p.startswith(str(REPO)))
    return env


@pytest.fixture
def walk(tmp_path: Path, postgres_cluster: PostgresCluster, redis_server: str) -> Iterator[Walk]:
    if not (REPO / "widget" / "dist" / "index.html").is_file():
        pytest.fail("widget/dist is missing: the widget is not built; run make widget")
    port = free_port()
    database = f"readme_{os.getpid()}_{port}"
    machine = {
        "CUECARD_DATABASE_URL": postgres_cluster.create_database(database),
        # A database index of its own: other tests empty Redis's first one.
        "CUECARD_REDIS_URL": redis_server.rsplit("/", 1)[0] + "/7",
        "CUECARD_PORT": str(port),
        "CUECARD_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    folder = tmp_path / "cuecard"
    folder.mkdir()
    try:
        yield Walk(fresh_copy(folder), clean_env(), machine)
    finally:
        postgres_cluster.drop_database(database)


@contextmanager
def serving(walk: Walk, script: str) -> Iterator[str]:
    """The block that starts ``cuecard serve``, in the background; yields the announced URL."""
    log = walk.folder / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=walk.folder,
            env=walk.env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield wait_until_listening(process, log)
        finally:
            # The block's shell and the server it started are one process group.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_until_listening(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = re.search(r"^cuecard listening on (\S+)$", log.read_text(), re.MULTILINE)
        if found:
            return found[1]
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"cuecard serve from the README did not start:\n{log.read_text()}")


def test_the_readme_runs_to_a_widget_showing_suggestions(walk: Walk, browser: Browser) -> None:
    blocks = readme_blocks()
    commands = "\n".join(blocks)
    missing = [name for name in MACHINE_SETTINGS if f"\n{name}=" not in f"\n{commands}"]
    assert missing == [], "the README no longer sets these; the test would not replace them"
    serve = next(i for i, block in enumerate(blocks) if "cuecard serve" in block)
    widget_block, events_block = blocks[serve + 1 :]
    for block in blocks[:serve]:
        walk.run(walk.prepare(block))
    [walk.pasted["KEY"]] = KEY_LINE.findall("".join(walk.outputs))
    context = browser.new_context(viewport={"width": 400, "height": 800})
    problems: list[str] = []
    context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))
    context.on("console", lambda message: record_console_error(message, problems))

    with serving(walk, walk.prepare(blocks[serve])) as announced:
        widget = context.new_page()
        widget.goto(walk.run(walk.prepare(widget_block)).strip().splitlines()[-1])
        expect(widget.get_by_test_id("connection-status")).to_have_text(
            "Connected", timeout=WIDGET_MS
        )

        walk.run(walk.prepare(events_block))

        line = widget.get_by_test_id("transcript-line").first
        expect(line).to_contain_text(customer_text(events_block), timeout=WIDGET_MS)
        titles = widget.locator("#suggestions").get_by_test_id("card-title")
        expect(titles.filter(has_text=promised_card())).to_have_count(1, timeout=WIDGET_MS)
        sign_in_at_the_admin_portal(context.new_page(), announced, commands)
        # Closed while the server still runs: a widget left open would try to reconnect to the
        # stopped server, and Chromium logs each refused attempt as a console error.
        context.close()

    assert announced == walk.machine["CUECARD_PUBLIC_URL"]
    assert problems == []


def customer_text(events_block: str) -> str:
    """What the README's event says the customer said."""
    found = re.search(r'"speaker": "customer", "text": "([^"]+)"', events_block)
    assert found, "the README's events have no customer message"
    return found[1]


def promised_card() -> str:
    """The title of the card the README says appears."""
    found = re.search(r"a card titled “([^”]+)”", README.read_text(encoding="utf-8"))
    assert found, "the README no longer names the card that appears"
    return " ".join(found[1].split())


def sign_in_at_the_admin_portal(page: Page, base_url: str, commands: str) -> None:
    """The admin created by the README signs in and finds the README's tenant."""
    email = re.search(r"admin create --email (\S+)", commands)
    tenant = re.search(r'tenant create \S+ --name "([^"]+)"', commands)
    assert email, "the README creates no admin"
    assert tenant, "the README creates no tenant"
    page.goto(f"{base_url}/admin/")
    page.get_by_label("Email").fill(email[1])
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=tenant[1])).to_be_visible()
