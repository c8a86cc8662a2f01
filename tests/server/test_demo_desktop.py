"""The simulated agent desktop: served by ``cuecard demo`` and tests, never ``cuecard serve``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from providers.simulator import HostMessage
from providers.simulator.config import SimulatorSettings
from server.app import create_app
from server.cli.demo import DEMO_DIR, add_simulated_desktop
from server.config import Settings

DESKTOP = "/demo/desktop/"


@pytest.fixture
async def demo_client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestClient[Any, Any]:
    """The app as ``cuecard demo`` builds it, replaying four times faster."""
    simulated = SimulatorSettings(
        tenant_id="acme",
        scripts=tuple(sorted((DEMO_DIR / "conversations").glob("*.json"))),
        speed=4,
        loop=True,
        run_id="run1",
        desktop_origins=("http://127.0.0.1:8080",),
    )
    app = create_app(settings, local_integrations={"simulator": [simulated]})
    add_simulated_desktop(app, simulated)
    return await aiohttp_client(app)


async def test_cuecard_serve_has_no_desktop(client: TestClient[Any, Any]) -> None:
    for path in (DESKTOP, DESKTOP + "desktop.js", DESKTOP + "conversations/next"):
        assert (await client.get(path)).status == 404, path


async def test_the_desktop_page_frames_nothing_but_its_own_server(
    demo_client: TestClient[Any, Any],
) -> None:
    response = await demo_client.get(DESKTOP)
    assert response.status == 200
    assert 'id="widget"' in await response.text()
    policy = response.headers["Content-Security-Policy"]
    assert "frame-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    script = await demo_client.get(DESKTOP + "desktop.js")
    assert script.status == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert (await demo_client.get(DESKTOP + "desktop.py")).status == 404


async def test_the_desktop_frames_the_simulators_widget_page(
    demo_client: TestClient[Any, Any],
) -> None:
    redirected = await demo_client.get("/demo/desktop?tenant=acme", allow_redirects=False)
    assert redirected.status == 308
    assert redirected.headers["Location"] == "/demo/desktop/?tenant=acme"
    config = await (await demo_client.get(DESKTOP + "config")).json()
    assert config == {
        "platform": "simulator",
        "widget_url": "../../widget/simulator",
        "host_origin_param": "hostOrigin",
    }


async def test_each_conversation_is_new_and_made_of_valid_host_messages(
    demo_client: TestClient[Any, Any],
) -> None:
    first = await (await demo_client.get(DESKTOP + "conversations/next")).json()
    second = await (await demo_client.get(DESKTOP + "conversations/next")).json()

    assert (first["conversation_id"], second["conversation_id"]) == ("desk-run1-1", "desk-run1-2")
    assert first["title"] != second["title"]
    messages = [HostMessage.model_validate(item["message"]).root for item in first["messages"]]
    assert {message.conversation_id for message in messages} == {"desk-run1-1"}
    assert [message.type for message in messages][:2] == [
        "conversation.started",
        "conversation.accepted",
    ]
    assert messages[-1].type == "conversation.ended"
    # The simulator's 3 s queue wait, at four times the speed.
    assert first["messages"][1]["delay_ms"] == 750


async def test_with_once_each_conversation_is_played_once(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], settings: Settings
) -> None:
    scripts = tuple(sorted((DEMO_DIR / "conversations").glob("*.json")))
    simulated = SimulatorSettings(tenant_id="acme", scripts=scripts, loop=False)
    app = create_app(settings, local_integrations={"simulator": [simulated]})
    add_simulated_desktop(app, simulated)
    client = await aiohttp_client(app)

    played = [await client.get(DESKTOP + "conversations/next") for _ in range(len(scripts) + 1)]

    assert [response.status for response in played] == [200] * len(scripts) + [204]
    titles = {(await response.json())["title"] for response in played[:-1]}
    assert len(titles) == len(scripts)
