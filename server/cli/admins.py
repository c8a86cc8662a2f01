"""``cuecard admin``: admin accounts for the admin portal (/admin/)."""

from __future__ import annotations

import sys

import click

from server.auth.admins import AdminService, check_email, check_role
from server.auth.passwords import Passwords, check_strength
from server.auth.throttle import LoginThrottle
from server.cli.common import load_settings, open_store, run
from server.errors import InvalidInput
from server.store.models import AdminRole


@click.group()
def admin() -> None:
    """Manage admin accounts (who may sign in at /admin/)."""


@admin.command("create")
@click.option("--email", required=True, help="The admin's email; they sign in with it.")
@click.option(
    "--role",
    type=click.Choice(["platform", "tenant"]),
    default="platform",
    show_default=True,
    help="platform: every tenant; tenant: only --tenant.",
)
@click.option("--tenant", "tenant_id", help="The tenant a tenant admin configures.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (one line)."
)
def create_admin(email: str, role: AdminRole, tenant_id: str | None, password_stdin: bool) -> None:
    """Create an admin; the password is prompted for twice (hidden) unless --password-stdin."""
    settings = load_settings()
    _check_options(email, role, tenant_id)
    password = _read_password(password_stdin)

    async def create() -> str:
        async with open_store(settings.database_url) as store:
            service = AdminService(store, Passwords.from_settings(settings), LoginThrottle())
            created = await service.create(email, password, role=role, tenant_id=tenant_id)
            return created.email

    created_email = run(create())
    click.echo(f"Created {role} admin {created_email}. Sign in at {settings.base_url}/admin/")


def _check_options(email: str, role: AdminRole, tenant_id: str | None) -> None:
    try:
        check_email(email)
    except InvalidInput as err:
        raise click.BadParameter(err.message, param_hint="--email") from err
    try:
        check_role(role, tenant_id)
    except InvalidInput as err:
        raise click.BadParameter(err.message, param_hint="--tenant") from err


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_strength(password)
    except InvalidInput as err:
        raise click.BadParameter(err.message, param_hint="password") from err
    return password
