"""``cuecard serve``: run the server, in one process or several sharing the port."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import click

from server.app import create_app
from server.cli.common import load_settings, open_store, run
from server.cli.workers import WorkerPool, available_cores, reserve_port
from server.config import Settings
from server.logs import configure_logging
from server.runner import serve as serve_app


@click.command()
@click.option("--host", help="Interface to listen on [CUECARD_HOST, default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [CUECARD_PORT, default 8080].")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    help="Server processes sharing the port [CUECARD_WORKERS; default: the CPU cores when "
    "CUECARD_REDIS_URL is set, else 1]. More than one needs Redis.",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the cuecard server (requires CUECARD_SECRET_KEY)."""
    settings = load_settings(host=host, port=port, workers=workers)
    configure_logging(settings.log_level)
    count = worker_count(settings)

    def ready(base_url: str) -> None:
        click.echo(f"cuecard listening on {base_url}", err=True)
        if count > 1:
            click.echo(f"{count} workers share the port", err=True)
        if warning := public_url_warning(settings):
            click.echo(warning, err=True)

    if count == 1:
        run(serve_app(create_app(settings), settings, on_ready=ready))
        return
    serve_workers(settings, count, ready)


def worker_count(settings: Settings) -> int:
    """How many processes to run: as configured, else every core when Redis shares state."""
    if settings.workers is None:
        return available_cores() if settings.redis_url else 1
    if settings.workers > 1 and not settings.redis_url:
        raise click.UsageError(
            "--workers above 1 needs CUECARD_REDIS_URL: the workers share widgets, "
            "de-duplication and live state through Redis"
        )
    return settings.workers


def serve_workers(settings: Settings, count: int, ready: Callable[[str], None]) -> None:
    """Fork ``count`` workers on one port; return when they have all stopped."""
    try:
        reserved = reserve_port(settings.host, settings.port)
    except OSError as err:
        where = f"{settings.host}:{settings.port}"
        raise click.ClickException(f"cannot listen on {where}: {err}") from err
    # Port 0 asks for a free port: the workers must all take the one the supervisor got.
    settings = settings.model_copy(update={"port": reserved.getsockname()[1]})
    # Migrate once, before forking, rather than in every worker at the same time.
    run(_migrate(settings.database_url))

    def serve_one(notify_ready: Callable[[], None]) -> None:
        reserved.close()
        app = create_app(settings)
        asyncio.run(serve_app(app, settings, on_ready=lambda _url: notify_ready(), reuse_port=True))

    status = WorkerPool(count, serve_one, on_ready=lambda: ready(settings.base_url)).run()
    reserved.close()
    if status:
        raise click.ClickException("a worker failed to start; see the log above")


async def _migrate(database_url: str) -> None:
    async with open_store(database_url):
        pass


def public_url_warning(settings: Settings) -> str | None:
    """A reminder when browsers on other machines would be sent to this machine's loopback."""
    if settings.public_url or not settings.listens_everywhere:
        return None
    return (
        "warning: listening on every interface, but widget and sign-in URLs point at this "
        "machine's loopback address: set CUECARD_PUBLIC_URL to the URL browsers use"
    )
