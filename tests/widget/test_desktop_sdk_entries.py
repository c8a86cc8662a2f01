"""The Five9 and 8x8 entries: framed only by the tenant's desktop, the Five9 page alone may
load Five9's SDK from the integration's URL, and each page learns its origins and scripts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config import Settings
from tests.fixtures.app import make_settings

SDK = "https://cdn.prod.us.five9.net/stable/crm-sdk-lib/five9.crm.sdk.js"
# Never 8x8's real stream: a local port nothing listens on.
EIGHT_BY_EIGHT = {
    "tenant_name": "acmecc01",
    "api_key": "eght_not_a_real_key",
    "stream_base_url": "ws://127.0.0.1:9",
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>cuecard widget</title>")
    return make_settings(tmp_path, widget_dist=dist)


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> TestClient[Any, Any]:
    """acme has a Five9 integration (SDK from Five9's CDN) and a disabled 8x8 one."""
    client = await aiohttp_client(create_app(settings))
    for provider, body, enabled in (
        ("five9", {"sdk_url": SDK, "five9_tenant_id": "131"}, True),
        ("eight_by_eight", EIGHT_BY_EIGHT, False),
    ):
        created = await client.post(
            "/api/v1/integrations",
            json={"provider": provider, "name": provider, "enabled": enabled, "settings": body},
            headers={"Authorization": f"Bearer {api_keys['acme']}"},
        )
        assert created.status == 201, await created.text()
    return client


def directive(response: Any, name: str) -> str:
    policy: str = response.headers["Content-Security-Policy"]
    [found] = [part.strip() for part in policy.split(";") if part.strip().startswith(name)]
    return found


async def test_the_five9_page_may_load_five9s_sdk_and_be_framed_by_five9_only(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/widget/five9", params={"tenant": "acme"})

    assert response.status == 200
    assert directive(response, "script-src") == "script-src 'self' https://cdn.prod.us.five9.net"
    assert directive(response, "frame-ancestors") == "frame-ancestors https://app.five9.com"


async def test_no_other_page_may_load_the_sdk(client: TestClient[Any, Any]) -> None:
    generic = await client.get("/widget/", params={"tenant": "acme"})
    asset = await client.get("/widget/widget.js", params={"tenant": "acme"})
    embedding = await client.get("/widget/five9/embedding", params={"tenant": "acme"})

    for response in (generic, asset, embedding):
        assert directive(response, "script-src") == "script-src 'self'"


async def test_the_five9_page_learns_its_desktop_and_its_sdk(client: TestClient[Any, Any]) -> None:
    response = await client.get("/widget/five9/embedding", params={"tenant": "acme"})

    assert response.status == 200
    assert await response.json() == {"frame_origins": ["https://app.five9.com"], "scripts": [SDK]}
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_tenant_without_the_platform_gets_neither_page_nor_embedding(
    client: TestClient[Any, Any],
) -> None:
    for path in ("/widget/five9", "/widget/five9/embedding"):
        response = await client.get(path, params={"tenant": "globex"})
        assert response.status == 404
        assert "Five9 is not set up for this tenant" in await response.text()
        assert directive(response, "script-src") == "script-src 'self'"
    # A disabled integration is no integration.
    disabled = await client.get("/widget/eight_by_eight/embedding", params={"tenant": "acme"})
    assert disabled.status == 404


async def test_the_8x8_page_is_framed_by_8x8_and_loads_nothing_from_elsewhere(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    listed = await client.get(
        "/api/v1/integrations", headers={"Authorization": f"Bearer {api_keys['acme']}"}
    )
    [eight] = [i for i in (await listed.json())["items"] if i["provider"] == "eight_by_eight"]
    enabled = await client.patch(
        f"/api/v1/integrations/{eight['id']}",
        json={"enabled": True},
        headers={"Authorization": f"Bearer {api_keys['acme']}"},
    )
    assert enabled.status == 200

    page = await client.get("/widget/eight_by_eight", params={"tenant": "acme"})
    embedding = await client.get("/widget/eight_by_eight/embedding", params={"tenant": "acme"})

    assert page.status == 200
    assert directive(page, "frame-ancestors") == "frame-ancestors https://*.8x8.com"
    assert directive(page, "script-src") == "script-src 'self'"
    assert await embedding.json() == {"frame_origins": ["https://*.8x8.com"], "scripts": []}


@pytest.mark.parametrize(
    "sdk_url",
    [
        "https://sdk.attacker.example/five9.crm.sdk.js",
        "https://app.five9.com.attacker.example/five9.crm.sdk.js",
        "https://notfive9.com/five9.crm.sdk.js",
    ],
)
async def test_an_sdk_off_five9s_hosts_is_refused_and_never_loaded(
    client: TestClient[Any, Any], api_keys: dict[str, str], sdk_url: str
) -> None:
    """The Five9 page is on cuecard's origin, beside the admin pages: whatever script it loads
    acts with a signed-in admin's rights there. A tenant may not choose that script."""
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    [five9] = [
        i
        for i in (await (await client.get("/api/v1/integrations", headers=headers)).json())["items"]
        if i["provider"] == "five9"
    ]

    changed = await client.patch(
        f"/api/v1/integrations/{five9['id']}",
        json={"settings": {"sdk_url": sdk_url, "five9_tenant_id": "131"}},
        headers=headers,
    )
    page = await client.get("/widget/five9", params={"tenant": "acme"})
    embedding = await client.get("/widget/five9/embedding", params={"tenant": "acme"})

    assert changed.status == 422
    assert (await changed.json())["field"] == "settings.sdk_url"
    assert directive(page, "script-src") == "script-src 'self' https://cdn.prod.us.five9.net"
    assert (await embedding.json())["scripts"] == [SDK]
