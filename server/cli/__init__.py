"""The ``cuecard`` command line."""

from __future__ import annotations

import click

from server.cli.admins import admin
from server.cli.demo import demo
from server.cli.knowledge import kb
from server.cli.schema import schema
from server.cli.serve import serve
from server.cli.tenants import tenant, token


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cuecard")
def cli() -> None:
    """cuecard: live knowledge-base suggestions for contact-center agents.

    Settings come from CUECARD_* environment variables (see the README); DATABASE_URL and
    REDIS_URL are honoured as well.
    """


cli.add_command(serve)
cli.add_command(demo)
cli.add_command(token)
cli.add_command(tenant)
cli.add_command(kb)
cli.add_command(schema)
cli.add_command(admin)


def main() -> None:
    """Entry point of the ``cuecard`` script."""
    cli()
