"""``cuecard tenant`` and ``cuecard token``: tenants, API keys and agent session tokens."""

from __future__ import annotations

import click

from server.auth.tokens import TokenService
from server.cli.common import load_settings, open_store, run


@click.group()
def tenant() -> None:
    """Manage tenants."""


@tenant.command("create")
@click.argument("tenant_id")
@click.option("--name", help="Display name (defaults to the id).")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    help="Agent-desktop origin allowed to frame the widget, e.g. https://apps.mypurecloud.com "
    "(repeatable).",
)
def create_tenant(tenant_id: str, name: str | None, origins: tuple[str, ...]) -> None:
    """Create TENANT_ID (a lowercase slug) and print its API key once."""
    settings = load_settings()

    async def create() -> str:
        async with open_store(settings.database_url) as store:
            await store.tenants.create(tenant_id, name or tenant_id, origins)
            _, plaintext = await store.api_keys.create(tenant_id)
            return plaintext

    plaintext = run(create())
    click.echo(f"Created tenant {tenant_id}.")
    click.echo("API key (shown once, store it now):")
    click.echo(plaintext)


@click.command()
@click.option("--tenant", "tenant_id", required=True, help="Tenant the agent belongs to.")
@click.option("--agent", "agent_id", required=True, help="The agent's id on the platform.")
@click.option("--ttl", type=int, help="Lifetime in seconds [CUECARD_TOKEN_TTL_SECONDS].")
@click.option(
    "--supervisor",
    is_flag=True,
    help="May open any conversation of the tenant, not only those assigned to the agent.",
)
def token(tenant_id: str, agent_id: str, ttl: int | None, supervisor: bool) -> None:
    """Mint an agent session token, for embedding the widget and for testing."""
    settings = load_settings()
    assert settings.secret_key is not None  # Settings refuses to load without one.
    service = TokenService(settings.secret_key, settings.token_ttl_seconds)
    click.echo(service.mint(tenant_id, agent_id, ttl_seconds=ttl, supervisor=supervisor))
