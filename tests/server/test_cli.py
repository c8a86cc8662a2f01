"""The command line: help everywhere, readable errors, keys shown once, tokens that verify."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.auth.tokens import TokenService
from server.cli import cli
from server.cli.common import open_store
from server.cli.serve import public_url_warning
from server.config import Settings
from tests.fixtures.app import CHEAP_ARGON2, KB_DIR, SECRET
from tests.fixtures.network import free_port

CUECARD = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "cuecard"
STARTUP_SECONDS = 60

CHEAP_ARGON2_ENV = {f"CUECARD_{name.upper()}": str(value) for name, value in CHEAP_ARGON2.items()}

COMMANDS = [
    [],
    ["serve"],
    ["demo"],
    ["token"],
    ["tenant"],
    ["tenant", "create"],
    ["kb"],
    ["kb", "import"],
    ["schema"],
    ["admin"],
    ["admin", "create"],
]

WILDCARD = "0.0.0.0"  # noqa: S104 (a listening address, as an operator writes it)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
    }


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "cuecard")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_serve_refuses_to_start_without_a_strong_key(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["serve"], env={"CUECARD_SECRET_KEY": None})
    weak = CliRunner().invoke(cli, ["serve"], env={"CUECARD_SECRET_KEY": "short"})
    repeated = CliRunner().invoke(cli, ["serve"], env={"CUECARD_SECRET_KEY": "a" * 32})

    assert missing.exit_code != 0
    assert "CUECARD_SECRET_KEY is required" in missing.output
    assert weak.exit_code != 0
    assert "secret_key: Value error, must be at least 32 characters" in weak.output
    assert "short" not in weak.output  # the rejected secret itself is never echoed
    assert repeated.exit_code != 0
    assert "CUECARD_SECRET_KEY is too predictable" in repeated.output
    assert "a" * 32 not in repeated.output


def test_tenant_create_prints_the_key_once_and_kb_import_loads_documents(
    env: dict[str, str],
) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli, ["tenant", "create", "acme", "--origin", "https://acme.example"], env=env
    )
    again = runner.invoke(cli, ["tenant", "create", "acme"], env=env)
    imported = runner.invoke(
        cli, ["kb", "import", str(KB_DIR / "acme"), "--tenant", "acme"], env=env
    )
    unknown = runner.invoke(
        cli, ["kb", "import", str(KB_DIR / "acme"), "--tenant", "nobody"], env=env
    )

    assert created.exit_code == 0, created.output
    assert created.output.splitlines()[-1].startswith("cc_")
    assert again.exit_code != 0
    assert "Traceback" not in again.output
    assert imported.exit_code == 0, imported.output
    assert "Imported 3 documents into acme/default." in imported.output
    assert unknown.exit_code != 0
    assert "no tenant 'nobody'" in unknown.output


def test_token_mints_a_verifiable_agent_token(env: dict[str, str]) -> None:
    CliRunner().invoke(cli, ["tenant", "create", "acme"], env=env)

    result = CliRunner().invoke(cli, ["token", "--tenant", "acme", "--agent", "a-9"], env=env)

    identity = TokenService(SECRET, 3600).verify(result.output.strip())
    assert (identity.tenant_id, identity.agent_id) == ("acme", "a-9")
    assert identity.supervisor is False


def test_token_refuses_a_tenant_that_does_not_exist(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["token", "--tenant", "nobody", "--agent", "a-9"], env=env)

    assert result.exit_code == 1
    assert result.output == (
        "Error: --tenant: no tenant 'nobody'; create it first with: cuecard tenant create nobody\n"
    )


def test_token_url_is_the_widget_at_the_public_url(env: dict[str, str]) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["tenant", "create", "acme"], env=env)
    public = {**env, "CUECARD_PUBLIC_URL": "https://assist.acme.example/"}

    command = ["token", "--tenant", "acme", "--agent", "a-9", "--url"]
    result = runner.invoke(cli, command, env=public)

    assert result.exit_code == 0, result.output
    url = result.output.strip()
    prefix = "https://assist.acme.example/widget/?tenant=acme#token="
    assert url.startswith(prefix)
    identity = TokenService(SECRET, 3600).verify(url.removeprefix(prefix))
    assert (identity.tenant_id, identity.agent_id) == ("acme", "a-9")


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"CUECARD_PORT": "9090"}, "http://127.0.0.1:9090/admin/"),
        ({"CUECARD_HOST": WILDCARD, "CUECARD_PORT": "9090"}, "http://127.0.0.1:9090/admin/"),
        (
            {"CUECARD_PUBLIC_URL": "https://cuecard.example.com"},
            "https://cuecard.example.com/admin/",
        ),
    ],
)
def test_admin_create_points_at_the_configured_server(
    env: dict[str, str], settings: dict[str, str], expected: str
) -> None:
    result = CliRunner().invoke(
        cli,
        ["admin", "create", "--email", "ops@example.com", "--password-stdin"],
        input="a long and private passphrase\n",
        env={**env, **CHEAP_ARGON2_ENV, **settings},
    )

    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"Sign in at {expected}")


def test_kb_import_keeps_links_unless_told_to_drop_them(env: dict[str, str]) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["tenant", "create", "acme"], env=env)
    folder = str(KB_DIR / "acme")
    base = "https://help.acme.example/articles/"

    runner.invoke(cli, ["kb", "import", folder, "--tenant", "acme", "--base-url", base], env=env)
    linked = stored_links(env)
    reimported = runner.invoke(cli, ["kb", "import", folder, "--tenant", "acme"], env=env)
    kept = stored_links(env)
    dropped = runner.invoke(
        cli, ["kb", "import", folder, "--tenant", "acme", "--drop-links"], env=env
    )

    assert reimported.exit_code == 0, reimported.output
    assert linked
    assert all(url and url.startswith(base) for url in linked.values()), linked
    assert kept == linked
    assert dropped.exit_code == 0, dropped.output
    assert set(stored_links(env).values()) == {None}


def test_kb_import_refuses_contradictory_link_options(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli,
        [
            *("kb", "import", str(KB_DIR / "acme"), "--tenant", "acme"),
            *("--base-url", "https://help.acme.example/", "--drop-links"),
        ],
        env=env,
    )

    assert result.exit_code == 2
    assert "--base-url and --drop-links contradict each other" in result.output


def test_kb_import_for_an_unknown_tenant_says_which_option_is_wrong(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["kb", "import", str(KB_DIR / "acme"), "--tenant", "nobody"], env=env
    )

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: --tenant: no tenant 'nobody'; create it first with: cuecard tenant create nobody"
    )


def test_tenant_create_names_the_option_of_a_bad_origin(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["tenant", "create", "acme", "--origin", "not an origin"], env=env
    )

    assert result.exit_code == 1
    assert result.output.startswith("Error: --origin: ")


def stored_links(env: dict[str, str]) -> dict[str, str | None]:
    """External id -> source link of acme's default knowledge base, read from the database."""

    async def read() -> dict[str, str | None]:
        async with open_store(env["CUECARD_DATABASE_URL"]) as store:
            kb = await store.knowledge_bases.get_default("acme")
            assert kb is not None
            return {d.external_id: d.url for d in await store.documents.list("acme", kb.id)}

    return asyncio.run(read())


def test_serve_on_a_busy_port_says_so_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(CUECARD), "serve", "--port", str(port)],
            env=command_env(env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
        )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: cannot listen on 127.0.0.1:{port}: the port is in use; "
        "choose another with --port or CUECARD_PORT"
    )


def test_demo_listens_on_cuecard_port_and_removes_its_files_when_stopped(
    tmp_path: Path,
) -> None:
    port, scratch = free_port(), tmp_path / "tmp"
    scratch.mkdir()
    env = command_env({"CUECARD_PORT": str(port), "TMPDIR": str(scratch)})
    with (tmp_path / "out.txt").open("w") as out:
        demo = subprocess.Popen(
            [str(CUECARD), "demo", "--once"], env=env, cwd=tmp_path, stdout=out, stderr=out
        )
        try:
            running = wait_for_line(demo, tmp_path / "out.txt", "cuecard demo running on ")
            files = [path.name for path in scratch.glob("cuecard-demo-*/*")]
        finally:
            demo.send_signal(signal.SIGINT)  # Ctrl+C
            demo.wait(timeout=STARTUP_SECONDS)

    assert running == f"cuecard demo running on http://127.0.0.1:{port} (Ctrl+C to stop)"
    # The demo's database (SQLite in WAL mode keeps its log and index beside it while open, and
    # migrations take turns on a lock file beside it).
    siblings = ("-wal", "-shm", "-migrate-lock")
    assert {_without_suffixes(name, siblings) for name in files} == {"demo.db"}
    assert demo.returncode == 0
    assert list(scratch.iterdir()) == []


def _without_suffixes(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        name = name.removesuffix(suffix)
    return name


def test_demo_on_a_busy_port_says_so_and_leaves_nothing_behind(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(CUECARD), "demo", "--port", str(port)],
            env=command_env({"TMPDIR": str(tmp_path)}),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
        )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        f"Error: cannot listen on 127.0.0.1:{port}: the port is in use"
    )
    assert list(tmp_path.glob("cuecard-demo-*")) == []


def command_env(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without cuecard settings, plus ``settings``."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CUECARD_") and name not in ("DATABASE_URL", "REDIS_URL")
    }
    return {**inherited, **CHEAP_ARGON2_ENV, **settings}


def wait_for_line(process: subprocess.Popen[bytes], output: Path, prefix: str) -> str:
    """The first line of ``output`` starting with ``prefix``, once the process writes it."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for line in output.read_text().splitlines():
            if line.startswith(prefix):
                return line
        if process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"no line starting {prefix!r} (exit {process.poll()}):\n{output.read_text()}")


def test_serve_reminds_to_set_the_public_url_only_when_listening_everywhere() -> None:
    everywhere = Settings(secret_key=SECRET, host=WILDCARD)
    published = Settings(secret_key=SECRET, host=WILDCARD, public_url="https://cc.example.com")

    warning = public_url_warning(everywhere)

    assert warning is not None
    assert "CUECARD_PUBLIC_URL" in warning
    assert public_url_warning(published) is None
    assert public_url_warning(Settings(secret_key=SECRET)) is None


@pytest.mark.parametrize(
    ("given", "runs"),
    [
        ([], ".venv/bin/cuecard demo"),
        (["PORT=8090", "ARGS=--speed 3"], ".venv/bin/cuecard demo --port 8090 --speed 3"),
    ],
)
def test_make_demo_passes_port_and_args_to_cuecard_demo(given: list[str], runs: str) -> None:
    # -o: take the install and widget steps as done; -n: print the command, run nothing.
    # Under `make test` the suite inherits the outer make's MAKELEVEL/MAKEFLAGS, which would
    # make this inner make announce its directory; a user's shell has neither.
    environ = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", "install", "-o", "widget", "demo", *given],
        cwd=CUECARD.parents[2],
        capture_output=True,
        text=True,
        check=True,
        env=environ,
    )

    assert done.stdout.split() == runs.split()


def test_token_supervisor_mints_a_supervisor_token(env: dict[str, str]) -> None:
    CliRunner().invoke(cli, ["tenant", "create", "acme"], env=env)
    result = CliRunner().invoke(
        cli, ["token", "--tenant", "acme", "--agent", "lead-1", "--supervisor"], env=env
    )

    identity = TokenService(SECRET, 3600).verify(result.output.strip())
    assert (identity.agent_id, identity.supervisor) == ("lead-1", True)
