"""The command line: help everywhere, readable errors, keys shown once, tokens that verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from server.auth.tokens import TokenService
from server.cli import cli
from tests.fixtures.app import KB_DIR, SECRET

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
]


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
    result = CliRunner().invoke(cli, ["token", "--tenant", "acme", "--agent", "a-9"], env=env)

    identity = TokenService(SECRET, 3600).verify(result.output.strip())
    assert (identity.tenant_id, identity.agent_id) == ("acme", "a-9")
    assert identity.supervisor is False


def test_token_supervisor_mints_a_supervisor_token(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli, ["token", "--tenant", "acme", "--agent", "lead-1", "--supervisor"], env=env
    )

    identity = TokenService(SECRET, 3600).verify(result.output.strip())
    assert (identity.agent_id, identity.supervisor) == ("lead-1", True)
