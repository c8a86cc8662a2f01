"""``/widget/<platform>``: loaded only for the desktop origin the tenant's integration allows,
and framed only by that integration's desktops (here the simulator's, in bridge mode)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from tests.fixtures.app import make_settings
from tests.fixtures.bridge import desktop_settings

DESKTOP = "https://desk.acme.example"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>cuecard widget</title>")
    (dist / "widget.js").write_text("// the widget")
    return make_settings(tmp_path, widget_dist=dist)


@pytest.fixture
async def demo_client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestClient[Any, Any]:
    """A server running the simulator's desktop for acme only."""
    local = {"simulator": [desktop_settings("acme")]}
    return await aiohttp_client(create_app(settings, local_integrations=local))


def frame_ancestors(response: Any) -> str:
    policy: str = response.headers["Content-Security-Policy"]
    [directive] = [part.strip() for part in policy.split(";") if "frame-ancestors" in part]
    return directive


async def test_the_desktop_the_integration_allows_gets_the_page(
    demo_client: TestClient[Any, Any],
) -> None:
    response = await demo_client.get(
        "/widget/simulator", params={"tenant": "acme", "hostOrigin": DESKTOP + "/"}
    )
    assert response.status == 200
    assert "cuecard widget" in await response.text()
    assert frame_ancestors(response) == f"frame-ancestors {DESKTOP}"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "host", ["https://evil.example", "http://desk.acme.example", "{{hostOrigin}}", "*", ""]
)
async def test_another_host_origin_is_refused(demo_client: TestClient[Any, Any], host: str) -> None:
    response = await demo_client.get(
        "/widget/simulator", params={"tenant": "acme", "hostOrigin": host}
    )
    assert response.status == 400
    assert "hostOrigin" in await response.text()
    assert frame_ancestors(response) == f"frame-ancestors {DESKTOP}"


@pytest.mark.parametrize(
    "query",
    [
        {"tenant": "globex", "hostOrigin": DESKTOP},
        {"tenant": "acme", "hostOrigin": DESKTOP, "x": "1"} | {"tenant": "Bad Tenant"},
        {"hostOrigin": DESKTOP},
    ],
)
async def test_a_tenant_without_the_desktop_gets_no_page(
    demo_client: TestClient[Any, Any], query: dict[str, str]
) -> None:
    response = await demo_client.get("/widget/simulator", params=query)
    assert response.status == 404
    assert frame_ancestors(response) == "frame-ancestors 'none'"


async def test_a_platform_without_an_embedding_has_no_page(
    demo_client: TestClient[Any, Any],
) -> None:
    response = await demo_client.get(
        "/widget/nonexistent", params={"tenant": "acme", "hostOrigin": DESKTOP}
    )
    assert response.status == 404


async def test_assets_are_still_served_beside_platform_pages(
    demo_client: TestClient[Any, Any],
) -> None:
    response = await demo_client.get("/widget/widget.js")
    assert response.status == 200
    assert await response.text() == "// the widget"


async def test_a_server_that_does_not_run_the_simulator_has_no_simulator_page(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get(
        "/widget/simulator", params={"tenant": "acme", "hostOrigin": DESKTOP}
    )
    assert response.status == 404
