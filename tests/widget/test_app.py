"""The widget sub-app: security headers per tenant, static assets, and the build's size."""

from __future__ import annotations

import gzip
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from widget import SOURCES_KEY, WidgetSources, create_widget_app

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
Client = TestClient[web.Request, web.Application]

REPO = Path(__file__).resolve().parents[2]
REAL_DIST = REPO / "widget" / "dist"
GZIP_BUDGET_BYTES = 60 * 1024
TENANT_ORIGINS = {
    "acme": ["https://apps.mypurecloud.com", "https://*.lightning.force.com"],
    "globex": [],
}


class OriginLookup:
    """Records which tenant ids were looked up; knows the tenants in TENANT_ORIGINS."""

    def __init__(self, origins: dict[str, list[str]]) -> None:
        self.origins = origins
        self.asked: list[str] = []

    async def __call__(self, tenant_id: str) -> Sequence[str]:
        self.asked.append(tenant_id)
        return self.origins.get(tenant_id, [])


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A small stand-in for a build, beside a file that must never be served."""
    built = tmp_path / "dist"
    built.mkdir()
    (built / "index.html").write_text("<!doctype html><title>w</title>")
    (built / "widget.js").write_text("console.log('w');")
    (built / "widget.css").write_text("body{}")
    (built / ".hidden.js").write_text("secret")
    (tmp_path / "secret.txt").write_text("secret")
    return built


@pytest.fixture
def lookup() -> OriginLookup:
    return OriginLookup(TENANT_ORIGINS)


async def mounted(aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup) -> Client:
    """The sub-app mounted the way the server mounts it."""
    root = web.Application()
    root[SOURCES_KEY] = WidgetSources(lookup)
    root.add_subapp("/widget/", create_widget_app(dist))
    return await aiohttp_client(root)


def frame_ancestors(response: ClientResponse) -> str:
    policy = response.headers["Content-Security-Policy"]
    directives = [d.strip() for d in policy.split(";")]
    [directive] = [d for d in directives if d.startswith("frame-ancestors")]
    return directive


async def test_index_frame_ancestors_come_from_the_tenant(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup
) -> None:
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get("/widget/", params={"tenant": "acme", "conversation": "c-1"})
    assert response.status == 200
    assert response.content_type == "text/html"
    assert frame_ancestors(response) == (
        "frame-ancestors https://apps.mypurecloud.com https://*.lightning.force.com"
    )
    assert lookup.asked == ["acme"]


async def test_index_carries_the_whole_policy_and_hardening_headers(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup
) -> None:
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get("/widget/?tenant=acme")
    policy = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self' ws: wss:",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("query", ["?tenant=initech", "?tenant=globex", ""])
async def test_unknown_or_missing_tenant_cannot_frame(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup, query: str
) -> None:
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get(f"/widget/{query}")
    assert response.status == 200
    assert frame_ancestors(response) == "frame-ancestors 'none'"


@pytest.mark.parametrize(
    "tenant", ["ACME", "-acme", "acme corp", "acme;", "a" * 64, "acme\n", "../acme", "ácme"]
)
async def test_malformed_tenant_id_is_ignored(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup, tenant: str
) -> None:
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get("/widget/", params={"tenant": tenant})
    assert response.status == 200
    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert lookup.asked == []


async def test_malformed_configured_origins_are_dropped(
    aiohttp_client: ClientFactory, dist: Path
) -> None:
    lookup = OriginLookup(
        {
            "acme": [
                "https://ok.example.com/",
                "https://evil.example.com; script-src *",
                "'unsafe-inline'",
                "javascript:alert(1)",
                "*",
                "https://x.example.com/path",
            ]
        }
    )
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get("/widget/?tenant=acme")
    assert frame_ancestors(response) == "frame-ancestors https://ok.example.com"
    assert response.headers["Content-Security-Policy"].count("script-src") == 1


async def test_failing_lookup_fails_closed(aiohttp_client: ClientFactory, dist: Path) -> None:
    async def broken(tenant_id: str) -> Sequence[str]:
        raise RuntimeError("tenant store unavailable")

    root = web.Application()
    root[SOURCES_KEY] = WidgetSources(broken)
    root.add_subapp("/widget/", create_widget_app(dist))
    client = await aiohttp_client(root)
    response = await client.get("/widget/?tenant=acme")
    assert response.status == 200
    assert frame_ancestors(response) == "frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("widget.js", "text/javascript"), ("widget.css", "text/css")],
)
async def test_static_assets_are_served_with_their_type(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup, name: str, content_type: str
) -> None:
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get(f"/widget/{name}")
    assert response.status == 200
    assert response.content_type == content_type
    assert await response.text() == (dist / name).read_text()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert frame_ancestors(response) == "frame-ancestors 'none'"


@pytest.mark.parametrize(
    "path",
    [
        "/widget/..%2Fsecret.txt",
        "/widget/..%5Csecret.txt",
        "/widget/.hidden.js",
        "/widget/missing.js",
        "/widget/dist/widget.js",
        "/widget/%2Fetc%2Fpasswd",
    ],
)
async def test_traversal_and_unknown_files_are_refused(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup, path: str
) -> None:
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get(path)
    assert response.status == 404
    assert "secret" not in await response.text()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_dot_segments_never_leave_the_prefix(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup
) -> None:
    # The URL is normalised to /secret.txt before routing, so the sub-app never sees it.
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get("/widget/%2e%2e/secret.txt")
    assert response.status == 404
    assert "secret" not in await response.text()


async def test_no_directory_listing(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup
) -> None:
    (dist / "assets").mkdir()
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get("/widget/assets")
    assert response.status == 404


async def test_bare_prefix_redirects_keeping_the_query(
    aiohttp_client: ClientFactory, dist: Path, lookup: OriginLookup
) -> None:
    client = await mounted(aiohttp_client, dist, lookup)
    response = await client.get("/widget?tenant=acme&conversation=c-1", allow_redirects=False)
    assert response.status == 308
    assert response.headers["Location"] == "/widget/?tenant=acme&conversation=c-1"


@pytest.mark.parametrize("path", ["/widget/", "/widget/widget.js"])
async def test_not_built_is_a_503_naming_the_fix(
    aiohttp_client: ClientFactory, tmp_path: Path, lookup: OriginLookup, path: str
) -> None:
    empty = tmp_path / "empty-dist"
    empty.mkdir()
    (empty / "widget.js").write_text("stale")
    client = await mounted(aiohttp_client, empty, lookup)
    response = await client.get(path + "?tenant=acme")
    assert response.status == 503
    body = json.loads(await response.text())
    assert body["code"] == "widget_not_built"
    assert "make widget" in body["message"]
    assert (
        "frame-ancestors https://apps.mypurecloud.com"
        in response.headers["Content-Security-Policy"]
    )


def built_file(name: str) -> Path:
    path = REAL_DIST / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: the widget is not built; run make widget")
    return path


def test_built_bundle_stays_under_its_gzip_budget() -> None:
    size = len(gzip.compress(built_file("widget.js").read_bytes(), compresslevel=9))
    assert size < GZIP_BUDGET_BYTES, f"widget.js is {size} bytes gzipped"


def test_built_page_loads_its_assets_by_relative_url_without_inline_code() -> None:
    page = built_file("index.html").read_text()
    assert '<script src="widget.js"' in page
    assert '<link rel="stylesheet" href="widget.css"' in page
    assert page.count("<script") == 1
    assert "<style" not in page
    assert " on" not in page.replace("\n", " ").split("<body", 1)[1].split(">", 1)[0]
    assert built_file("widget.css").stat().st_size > 0
