"""``cuecard serve``: run the server."""

from __future__ import annotations

import click

from server.app import create_app
from server.cli.common import load_settings, run
from server.config import Settings
from server.logs import configure_logging
from server.runner import serve as serve_app


@click.command()
@click.option("--host", help="Interface to listen on [CUECARD_HOST, default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [CUECARD_PORT, default 8080].")
def serve(host: str | None, port: int | None) -> None:
    """Run the cuecard server (requires CUECARD_SECRET_KEY)."""
    settings = load_settings(host=host, port=port)
    configure_logging(settings.log_level)

    def ready(base_url: str) -> None:
        click.echo(f"cuecard listening on {base_url}", err=True)
        if warning := public_url_warning(settings):
            click.echo(warning, err=True)

    run(serve_app(create_app(settings), settings, on_ready=ready))


def public_url_warning(settings: Settings) -> str | None:
    """A reminder when browsers on other machines would be sent to this machine's loopback."""
    if settings.public_url or not settings.listens_everywhere:
        return None
    return (
        "warning: listening on every interface, but widget and sign-in URLs point at this "
        "machine's loopback address: set CUECARD_PUBLIC_URL to the URL browsers use"
    )
