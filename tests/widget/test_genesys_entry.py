"""The Genesys entry of the widget: framed only by the tenant's Genesys desktop, and only
loaded for the gcHostOrigin that desktop interpolates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.config import Settings
from tests.fixtures.app import make_settings
from tests.fixtures.genesys import DESKTOP_ORIGIN

ENTRY = "/widget/genesys"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>cuecard widget</title>")
    return make_settings(tmp_path, widget_dist=dist)


def frame_ancestors(response: Any) -> str:
    policy: str = response.headers["Content-Security-Policy"]
    [directive] = [part.strip() for part in policy.split(";") if "frame-ancestors" in part]
    return directive


async def test_the_genesys_desktop_may_frame_the_genesys_entry(
    genesys_client: TestClient[Any, Any],
) -> None:
    response = await genesys_client.get(
        ENTRY,
        params={"tenant": "acme", "gcHostOrigin": DESKTOP_ORIGIN, "conversationId": "c-1"},
    )
    assert response.status == 200
    assert "cuecard widget" in await response.text()
    assert frame_ancestors(response) == f"frame-ancestors {DESKTOP_ORIGIN}"


async def test_the_generic_page_admits_the_genesys_desktop_besides_the_tenants_origins(
    genesys_client: TestClient[Any, Any],
) -> None:
    response = await genesys_client.get("/widget/", params={"tenant": "acme"})
    assert frame_ancestors(response) == f"frame-ancestors https://acme.example {DESKTOP_ORIGIN}"


async def test_another_tenants_genesys_desktop_is_not_admitted(
    genesys_client: TestClient[Any, Any],
) -> None:
    response = await genesys_client.get("/widget/", params={"tenant": "globex"})
    assert DESKTOP_ORIGIN not in frame_ancestors(response)


@pytest.mark.parametrize(
    "host", ["https://apps.mypurecloud.com", "https://evil.example", "{{gcHostOrigin}}", ""]
)
async def test_a_gc_host_origin_other_than_the_tenants_desktop_is_refused(
    genesys_client: TestClient[Any, Any], host: str
) -> None:
    response = await genesys_client.get(ENTRY, params={"tenant": "acme", "gcHostOrigin": host})
    assert response.status == 400
    assert "gcHostOrigin" in await response.text()
    assert frame_ancestors(response) == f"frame-ancestors {DESKTOP_ORIGIN}"


async def test_a_tenant_without_genesys_gets_no_genesys_entry(
    genesys_client: TestClient[Any, Any],
) -> None:
    response = await genesys_client.get(
        ENTRY, params={"tenant": "globex", "gcHostOrigin": DESKTOP_ORIGIN}
    )
    assert response.status == 404
    assert frame_ancestors(response) == "frame-ancestors 'none'"
