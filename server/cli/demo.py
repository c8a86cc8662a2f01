"""``cuecard demo``: the server on embedded defaults, a demo knowledge base, a live simulation."""

from __future__ import annotations

import dataclasses
import functools
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import click
from aiohttp import web
from pydantic import SecretStr

from providers.base import Manifest
from providers.registry import PLATFORMS, get_platform
from providers.simulator import DesktopPlaylist
from providers.simulator.config import SimulatorSettings
from providers.simulator.const import PROVIDER
from providers.simulator.embed import HOST_ORIGIN_PARAM
from server.app import create_app
from server.auth.passwords import Passwords
from server.auth.tokens import TokenService
from server.cli.common import load_settings, open_store, run
from server.cli.tenants import widget_url
from server.config import Settings
from server.demo.desktop import MOUNT, DesktopPage, create_desktop_app
from server.kb.loader import load_folder
from server.logs import configure_logging
from server.runner import serve
from server.store.integrations import SealedSettings

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
SIMULATION_NAME = "Simulated conversations"


@click.command()
@click.option("--host", help="Interface to listen on [CUECARD_HOST, default 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [CUECARD_PORT, default 8080].")
@click.option("--speed", default=1.0, show_default=True, help="Replay speed (2 = twice as fast).")
@click.option("--once", is_flag=True, help="Play each scripted conversation once, then idle.")
def demo(host: str | None, port: int | None, speed: float, once: bool) -> None:
    """Run the server with a demo tenant, knowledge base and simulated conversations.

    Prints the widget's URL, a simulated agent desktop's URL (it frames the widget and plays
    the conversations into it over postMessage) and the admin portal's sign-in.
    """
    # The demo's database lives as long as the demo: it is removed however the demo ends.
    with tempfile.TemporaryDirectory(prefix="cuecard-demo-") as workdir:
        settings = load_settings(
            demo=True,
            host=host,
            port=port,
            secret_key=SecretStr(secrets.token_urlsafe(48)),
            database_url=f"sqlite+aiosqlite:///{Path(workdir) / 'demo.db'}",
        )
        configure_logging(settings.log_level)
        # A fresh password each run: the demo may listen on a shared network.
        admin_password = secrets.token_urlsafe(12)
        simulated = simulation(settings, speed=speed, loop=not once)
        run(_seed(settings, admin_password, simulated))
        app = create_app(
            settings, platforms=demo_platforms(), local_integrations={PROVIDER: [simulated]}
        )
        add_simulated_desktop(app, simulated)
        announce = functools.partial(_announce, settings, admin_password=admin_password)
        run(serve(app, settings, on_ready=announce))


def simulation(settings: Settings, *, speed: float, loop: bool) -> SimulatorSettings:
    """The simulator replaying the demo's scripted conversations to the demo agent."""
    return SimulatorSettings(
        tenant_id=DEMO_TENANT,
        scripts=tuple(sorted((DEMO_DIR / "conversations").glob("*.json"))),
        agent_id=DEMO_AGENT,
        speed=speed,
        loop=loop,
        desktop_origins=(_origin(settings.base_url),),
    )


def demo_platforms() -> dict[str, Manifest]:
    """The registered platforms, the simulator among those integrations can be stored of.

    The demo runs its simulator as a stored integration, as a platform would run: the
    supervisor starts it, and the admin portal's Health and Integrations pages show it. Only
    the demo does so: the simulator's settings name files on the server.
    """
    simulator = dataclasses.replace(get_platform(PROVIDER), storable=True)
    return {**PLATFORMS, PROVIDER: simulator}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def add_simulated_desktop(app: web.Application, simulated: SimulatorSettings) -> None:
    """Serve the simulated agent desktop, which plays the scripts into the widget it frames."""
    page = DesktopPage(platform=PROVIDER, host_origin_param=HOST_ORIGIN_PARAM)
    app.add_subapp(MOUNT, create_desktop_app(page, DesktopPlaylist(simulated).next))


async def _seed(settings: Settings, admin_password: str, simulated: SimulatorSettings) -> None:
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
        await store.integrations.create(
            DEMO_TENANT,
            provider=PROVIDER,
            name=SIMULATION_NAME,
            enabled=True,
            settings=simulated.model_dump(mode="json", exclude={"tenant_id"}),
            sealed=SealedSettings(ciphertext=None),
        )


def _announce(settings: Settings, base_url: str, admin_password: str) -> None:
    assert settings.secret_key is not None
    # The URLs use the address actually bound (--port 0 picks a free one).
    announced = settings.model_copy(update={"public_url": base_url})
    tokens = TokenService(settings.secret_key, settings.token_ttl_seconds)
    token = tokens.mint(DEMO_TENANT, DEMO_AGENT, ttl_seconds=DEMO_TOKEN_SECONDS)
    click.echo(f"cuecard demo running on {base_url} (Ctrl+C to stop)")
    click.echo(f"Widget URL: {widget_url(announced, DEMO_TENANT, token)}")
    desk_token = tokens.mint(DEMO_TENANT, DESK_AGENT, ttl_seconds=DEMO_TOKEN_SECONDS)
    click.echo(f"Desktop URL: {base_url}{MOUNT}?tenant={DEMO_TENANT}#token={desk_token}")
    click.echo(f"Admin portal: {base_url}/admin/ — {DEMO_ADMIN}, password {admin_password}")
