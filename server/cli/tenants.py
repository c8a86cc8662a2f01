"""``cuecard tenant`` and ``cuecard token``: tenants, API keys and agent session tokens."""

from __future__ import annotations

from urllib.parse import quote

import click

from server.api.bodies import validate
from server.auth.tokens import TokenService
from server.cli.common import load_settings, open_store, require_tenant, run
from server.config import Settings
from server.services.models import TenantIn

# What the store's field names are called on these commands' command lines.
TENANT_OPTIONS = {"id": "TENANT_ID", "name": "--name", "allowed_origins": "--origin"}


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
        # The checks the REST API and the admin pages apply, so a bad origin is refused here too.
        body = validate(
            TenantIn, {"id": tenant_id, "name": name or tenant_id, "allowed_origins": origins}
        )
        async with open_store(settings.database_url) as store:
            await store.tenants.create(body.id, body.name, body.allowed_origins)
            _, plaintext = await store.api_keys.create(tenant_id)
            return plaintext

    plaintext = run(create(), TENANT_OPTIONS)
    click.echo(f"Created tenant {tenant_id}.")
    click.echo("API key (shown once, store it now):")
    click.echo(plaintext)


@click.command()
@click.option("--tenant", "tenant_id", required=True, help="Tenant the agent belongs to.")
@click.option("--agent", "agent_id", required=True, help="The agent's id on the platform.")
@click.option("--ttl", type=int, help="Lifetime in seconds [CUECARD_TOKEN_TTL_SECONDS].")
@click.option(
    "--url",
    "as_url",
    is_flag=True,
    help="Print the widget URL with the token in it [at CUECARD_PUBLIC_URL].",
)
@click.option(
    "--supervisor",
    is_flag=True,
    help="May open any conversation of the tenant, not only those assigned to the agent.",
)
def token(tenant_id: str, agent_id: str, ttl: int | None, as_url: bool, supervisor: bool) -> None:
    """Mint an agent session token (or the widget URL carrying one) for an existing tenant."""
    settings = load_settings()

    async def check() -> None:
        async with open_store(settings.database_url) as store:
            await require_tenant(store, tenant_id)

    run(check(), {"tenant": "--tenant"})
    assert settings.secret_key is not None  # Settings refuses to load without one.
    service = TokenService(settings.secret_key, settings.token_ttl_seconds)
    minted = service.mint(tenant_id, agent_id, ttl_seconds=ttl, supervisor=supervisor)
    click.echo(widget_url(settings, tenant_id, minted) if as_url else minted)


def widget_url(settings: Settings, tenant_id: str, token: str) -> str:
    """The widget page for ``tenant_id``; the token rides in the fragment, out of server logs."""
    return f"{settings.base_url}/widget/?tenant={quote(tenant_id)}#token={token}"
