"""``cuecard demo``: the server on embedded defaults, a demo knowledge base, a live simulation."""

from __future__ import annotations

import functools
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import click
from aiohttp import web
from pydantic import SecretStr

from providers.simulator import DesktopPlaylist
from providers.simulator.adapter import SimulatorAdapter
from providers.simulator.config import SimulatorSettings
from providers.simulator.const import PROVIDER
from providers.simulator.embed import HOST_ORIGIN_PARAM
from server.app import create_app
from server.auth.passwords import Passwords
from server.auth.tokens import TokenService
from server.cli.common import load_settings, open_store, run
from server.config import Settings
from server.demo.desktop import MOUNT, DesktopPage, create_desktop_app
from server.kb.loader import load_folder
from server.logs import configure_logging
from server.runner import serve

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_TENANT = "demo"
DEMO_AGENT = "demo-agent"
# The simulated desktop's agent: its widget follows the desktop's conversations, not the replay's.
DESK_AGENT = "desk-agent"
DEMO_HELP_CENTRE = "https://help.example.com/articles/"
# The simulated conversations' queues, each mapped to the help centre as an admin would.
DEMO_QUEUES = {
    "billing": "billing",
    "broadband-support": "broadband",
    "mobile-support": "mobile",
    "orders": "orders and returns",
}
# The printed widget URL should last a working day of demoing.
DEMO_TOKEN_SECONDS = 12 * 3600
DEMO_ADMIN = "admin@demo.example"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option("--speed", default=1.0, show_default=True, help="Replay speed (2 = twice as fast).")
@click.option("--once", is_flag=True, help="Play each scripted conversation once, then idle.")
def demo(host: str, port: int, speed: float, once: bool) -> None:
    """Run the server with a demo tenant, knowledge base and simulated conversations.

    Prints the widget's URL, a simulated agent desktop's URL (it frames the widget and plays
    the conversations into it over postMessage) and the admin portal's sign-in.
    """
    workdir = Path(tempfile.mkdtemp(prefix="cuecard-demo-"))
    settings = load_settings(
        demo=True,
        host=host,
        port=port,
        secret_key=SecretStr(secrets.token_urlsafe(48)),
        database_url=f"sqlite+aiosqlite:///{workdir / 'demo.db'}",
    )
    configure_logging(settings.log_level)
    # A fresh password each run: the demo may listen on a shared network.
    admin_password = secrets.token_urlsafe(12)
    run(_seed(settings, admin_password))
    simulated = SimulatorSettings(
        tenant_id=DEMO_TENANT,
        scripts=tuple(sorted((DEMO_DIR / "conversations").glob("*.json"))),
        agent_id=DEMO_AGENT,
        speed=speed,
        loop=not once,
        desktop_origins=(_origin(settings.base_url),),
    )
    app = create_app(
        settings,
        listeners=[SimulatorAdapter(simulated)],
        local_integrations={PROVIDER: [simulated]},
    )
    add_simulated_desktop(app, simulated)
    announce = functools.partial(_announce, settings, admin_password=admin_password)
    run(serve(app, settings, on_ready=announce))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def add_simulated_desktop(app: web.Application, simulated: SimulatorSettings) -> None:
    """Serve the simulated agent desktop, which plays the scripts into the widget it frames."""
    page = DesktopPage(platform=PROVIDER, host_origin_param=HOST_ORIGIN_PARAM)
    app.add_subapp(MOUNT, create_desktop_app(page, DesktopPlaylist(simulated).next))


async def _seed(settings: Settings, admin_password: str) -> None:
    async with open_store(settings.database_url) as store:
        hashed = Passwords.from_settings(settings).hash(admin_password)
        await store.admins.create(DEMO_ADMIN, hashed, role="platform", tenant_id=None)
        await store.tenants.create(DEMO_TENANT, "Demo Telecom & Retail", [settings.base_url])
        kb = await store.knowledge_bases.create(DEMO_TENANT, "Help centre", is_default=True)
        documents = load_folder(DEMO_DIR / "kb", base_url=DEMO_HELP_CENTRE)
        await store.documents.upsert_many(kb, documents)
        for queue, team in DEMO_QUEUES.items():
            prompt = f"You support the {team} team. Answer only from the passages and cite them."
            await store.queue_mappings.put(
                DEMO_TENANT, PROVIDER, queue, kb_id=kb.id, system_prompt=prompt
            )


def _announce(settings: Settings, base_url: str, admin_password: str) -> None:
    assert settings.secret_key is not None
    tokens = TokenService(settings.secret_key, settings.token_ttl_seconds)
    token = tokens.mint(DEMO_TENANT, DEMO_AGENT, ttl_seconds=DEMO_TOKEN_SECONDS)
    click.echo(f"cuecard demo running on {base_url} (Ctrl+C to stop)")
    click.echo(f"Widget URL: {base_url}/widget/?tenant={DEMO_TENANT}#token={token}", nl=True)
    desk_token = tokens.mint(DEMO_TENANT, DESK_AGENT, ttl_seconds=DEMO_TOKEN_SECONDS)
    click.echo(f"Desktop URL: {base_url}{MOUNT}?tenant={DEMO_TENANT}#token={desk_token}")
    click.echo(f"Admin portal: {base_url}/admin/ — {DEMO_ADMIN}, password {admin_password}")
