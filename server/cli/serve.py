"""``cuecard serve``: run the server."""

from __future__ import annotations

import click

from server.app import create_app
from server.cli.common import load_settings, run
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

    run(serve_app(create_app(settings), settings, on_ready=ready))
