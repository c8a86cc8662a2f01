"""Admin accounts: argon2 hashes stored (never the password), and ``cuecard admin create``."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from server.cli import cli
from server.cli.common import open_store
from server.store.schema import admins
from tests.fixtures.app import SECRET

PASSWORD = "a long enough passphrase"


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
    }


def _stored_hash(tmp_path: Path) -> str:
    async def read() -> str:
        url = _env(tmp_path)["CUECARD_DATABASE_URL"]
        async with open_store(url) as store, store._db.reading() as conn:
            return str(await conn.scalar(select(admins.c.password_hash)))

    return asyncio.run(read())


def test_admin_create_stores_an_argon2_hash_and_never_the_password(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["admin", "create", "--email", "Ops@Example.com", "--password-stdin"],
        input=PASSWORD + "\n",
        env=_env(tmp_path),
    )

    stored = _stored_hash(tmp_path)
    assert result.exit_code == 0, result.output
    assert "Created platform admin ops@example.com" in result.output
    # No argon2 settings in the environment: the production cost (RFC 9106 low-memory).
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored


def test_admin_create_prompts_twice_and_refuses_a_mismatch(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["admin", "create", "--email", "ops@example.com"],
        input=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n",
        env=_env(tmp_path),
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert PASSWORD not in result.output  # hidden input is never echoed


def test_admin_create_explains_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    env = _env(tmp_path)

    no_tenant = runner.invoke(
        cli, ["admin", "create", "--email", "a@b.example", "--role", "tenant"], env=env
    )
    unknown_tenant = runner.invoke(
        cli,
        [
            "admin",
            "create",
            "--email",
            "a@b.example",
            "--role",
            "tenant",
            "--tenant",
            "nope",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        env=env,
    )
    short = runner.invoke(
        cli,
        ["admin", "create", "--email", "a@b.example", "--password-stdin"],
        input="short\n",
        env=env,
    )
    not_email = runner.invoke(cli, ["admin", "create", "--email", "nobody"], env=env)
    helped = runner.invoke(cli, ["admin", "create", "--help"])

    assert "Invalid value for --tenant: a tenant admin needs a tenant" in no_tenant.output
    assert "no tenant 'nope'" in unknown_tenant.output
    assert "must be at least 12 characters" in short.output
    assert "Invalid value for --email: is not an email address" in not_email.output
    assert all(r.exit_code != 0 for r in (no_tenant, unknown_tenant, short, not_email))
    assert "--password-stdin" in helped.output
