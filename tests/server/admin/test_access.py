"""Who may reach what: every admin route and every /api/v1 route, table-driven.

A tenant admin can neither see nor change another tenant, through pages or the API; an
anonymous visitor is sent to sign in (pages) or gets a 401 JSON body (API); unsafe requests
without the session's CSRF token change nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from server.admin.middlewares import PUBLIC_ROUTES
from server.keys import STORE
from tests.server.admin.conftest import ACME_ADMIN, PASSWORD, PLATFORM
from tests.server.auth.test_credential_bytes import raw_request

PAGE_PARAMS = {
    "tenant_id": "globex",
    "kb_id": "0123456789abcdef",
    "integration_id": "0123456789abcdef",
    "key_id": "0123456789abcdef",
    "record_id": "0123456789abcdef",
    "type_id": "0123456789abcdef",
}


def _admin_routes(app: Any) -> list[tuple[str, str, str]]:
    """(method, path, name) of every admin page route, parameters filled for globex."""
    admin_app = next(
        resource._app
        for resource in app.router.resources()
        if hasattr(resource, "_app") and resource.canonical == "/admin"
    )
    found = []
    for route in admin_app.router.routes():
        name = route.resource.name if route.resource is not None else None
        if route.method == "HEAD" or name in PUBLIC_ROUTES or name is None:
            continue
        path = route.resource.canonical
        found.append((route.method, re.sub(r"\{(\w+)\}", lambda m: PAGE_PARAMS[m[1]], path), name))
    return found


async def _snapshot(store: Any) -> tuple[Any, ...]:
    return (
        await store.tenants.list(),
        await store.knowledge_bases.list("globex"),
        await store.api_keys.list("globex"),
        await store.queue_mappings.list("globex"),
        await store.llm_integrations.list("globex"),
    )


async def test_anonymous_visitors_are_sent_to_sign_in_from_every_page(open_browser: Any) -> None:
    browser = await open_browser()
    routes = _admin_routes(browser.client.server.app)
    assert len(routes) > 20

    for method, path, name in routes:
        response = await browser.client.request(method, path, allow_redirects=False)
        assert response.status == 303, (method, path)
        assert response.headers["Location"].startswith("/admin/sign-in"), name


async def test_a_tenant_admin_reaches_no_page_of_another_tenant(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    store = browser.client.server.app[STORE]
    before = await _snapshot(store)
    tenant_routes = [r for r in _admin_routes(browser.client.server.app) if "/globex" in r[1]]
    assert len(tenant_routes) > 20

    for method, path, _ in tenant_routes:
        if method == "GET":
            response = await browser.get(path)
        else:
            response = await browser.post(path, {"name": "pwned", "id": "x", "provider": "*"})
        assert response.status == 404, (method, path)
        assert "Globex" not in await response.text()
    assert await _snapshot(store) == before


async def test_only_platform_admins_create_tenants(open_browser: Any) -> None:
    tenant_admin = await open_browser(ACME_ADMIN)

    page = await tenant_admin.post("/admin/tenants", {"id": "evil", "name": "Evil"})
    api = await tenant_admin.client.post(
        "/api/v1/tenants",
        json={"id": "evil", "name": "Evil"},
        headers={"X-CSRF-Token": tenant_admin.csrf},
    )

    assert page.status == 403
    assert api.status == 403
    assert (await api.json())["code"] == "forbidden"
    assert await tenant_admin.client.server.app[STORE].tenants.get("evil") is None


API_CALLS = [
    ("GET", "/api/v1/tenant", None),
    ("PATCH", "/api/v1/tenant", {"name": "pwned"}),
    ("GET", "/api/v1/tenants/globex", None),
    ("PATCH", "/api/v1/tenants/globex", {"name": "pwned"}),
    ("GET", "/api/v1/knowledge-bases", None),
    ("POST", "/api/v1/knowledge-bases", {"name": "pwned"}),
    ("GET", "/api/v1/api-keys", None),
    ("POST", "/api/v1/api-keys", None),
    ("GET", "/api/v1/queue-mappings", None),
    ("PUT", "/api/v1/queue-mappings/genesys/vip", {}),
    ("GET", "/api/v1/llm-integrations", None),
    ("GET", "/api/v1/integrations", None),
    ("GET", "/api/v1/admins", None),
    ("GET", "/api/v1/health", None),
    ("GET", "/api/v1/events/recent", None),
    ("POST", "/api/v1/events/recent/0123456789abcdef:reveal", None),
    ("GET", "/api/v1/events/reveals", None),
]


@pytest.mark.parametrize(("method", "path", "body"), API_CALLS)
async def test_a_tenant_admin_session_cannot_name_another_tenant_in_the_api(
    open_browser: Any, method: str, path: str, body: Any
) -> None:
    browser = await open_browser(ACME_ADMIN)
    store = browser.client.server.app[STORE]
    before = await _snapshot(store)

    response = await browser.client.request(
        method,
        path,
        json=body,
        headers={"X-Cuecard-Tenant": "globex", "X-CSRF-Token": browser.csrf},
    )

    assert response.status == 404, await response.text()
    assert await _snapshot(store) == before


@pytest.mark.parametrize(("method", "path", "body"), API_CALLS)
async def test_anonymous_api_calls_get_401_json(
    open_browser: Any, method: str, path: str, body: Any
) -> None:
    browser = await open_browser()

    response = await browser.client.request(method, path, json=body)

    assert response.status == 401
    assert (await response.json())["code"] == "unauthenticated"


async def test_a_platform_admin_names_the_tenant_with_a_header(open_browser: Any) -> None:
    browser = await open_browser(PLATFORM)

    unnamed = await browser.client.get("/api/v1/knowledge-bases")
    named = await browser.client.get(
        "/api/v1/knowledge-bases", headers={"X-Cuecard-Tenant": "globex"}
    )
    missing = await browser.client.get(
        "/api/v1/knowledge-bases", headers={"X-Cuecard-Tenant": "nope"}
    )

    assert unnamed.status == 422
    assert (await unnamed.json())["field"] == "X-Cuecard-Tenant"
    assert named.status == 200
    assert [kb["name"] for kb in (await named.json())["items"]] == ["main"]
    assert missing.status == 404


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_a_form_post_without_the_csrf_token_changes_nothing(
    open_browser: Any, token: str | None
) -> None:
    browser = await open_browser(ACME_ADMIN)
    data = {"name": "sneaky"} if token is None else {"name": "sneaky", "csrf_token": token}

    response = await browser.client.post(
        "/admin/tenants/acme/knowledge-bases", data=data, allow_redirects=False
    )

    assert response.status == 403
    assert "CSRF token is missing or wrong" in await response.text()
    names = [kb.name for kb in await browser.client.server.app[STORE].knowledge_bases.list("acme")]
    assert names == ["main"]


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_an_api_call_by_session_without_the_csrf_header_changes_nothing(
    open_browser: Any, token: str | None
) -> None:
    browser = await open_browser(ACME_ADMIN)
    headers = {} if token is None else {"X-CSRF-Token": token}

    refused = await browser.client.post(
        "/api/v1/knowledge-bases", json={"name": "sneaky"}, headers=headers
    )
    accepted = await browser.client.post(
        "/api/v1/knowledge-bases", json={"name": "fine"}, headers={"X-CSRF-Token": browser.csrf}
    )

    assert refused.status == 403
    assert (await refused.json())["code"] == "csrf_rejected"
    assert accepted.status == 201
    names = [kb.name for kb in await browser.client.server.app[STORE].knowledge_bases.list("acme")]
    assert names == ["fine", "main"]


@pytest.mark.parametrize(
    ("next_path", "location"),
    [
        ("/admin/knowledge-bases", "/admin/knowledge-bases"),
        ("//evil.example/admin/", "/admin/tenants"),
        ("https://evil.example/admin/", "/admin/tenants"),
        ("/admin/\r\nSet-Cookie: planted=1", "/admin/tenants"),
    ],
    ids=["own-page", "protocol-relative", "absolute", "line-break"],
)
async def test_sign_in_goes_on_only_to_an_admin_page(
    open_browser: Any, next_path: str, location: str
) -> None:
    browser = await open_browser()
    form = await (await browser.client.get("/admin/sign-in")).text()
    token = re.search(r'name="signin_token" value="([^"]+)"', form)
    assert token is not None

    response = await browser.client.post(
        "/admin/sign-in",
        data={"email": PLATFORM, "password": PASSWORD, "signin_token": token[1], "next": next_path},
        allow_redirects=False,
    )

    assert response.status == 303
    assert response.headers["Location"] == location


async def _globex_objects(app: Any) -> dict[str, str]:
    """A knowledge base with an article, an integration, an API key and an entity type."""
    store = app[STORE]
    [kb] = await store.knowledge_bases.list("globex")
    [document] = await store.documents.list("globex", kb.id)
    key, _ = await store.api_keys.create("globex")
    kind = await store.entity_types.create("globex", name="badge", pattern=r"B-\d{4}", confidence=1)
    return {"kb": kb.id, "doc": document.external_id, "key": key.id, "type": kind.id}


async def _globex_state(store: Any, kb_id: str) -> tuple[Any, ...]:
    return (
        await _snapshot(store),
        await store.documents.list("globex", kb_id),
        await store.entity_types.list("globex"),
    )


async def test_a_tenant_admin_cannot_reach_another_tenants_objects_through_their_own_pages(
    open_browser: Any,
) -> None:
    """Globex's ids under acme's own addresses: nothing is shown, nothing changes."""
    browser = await open_browser(ACME_ADMIN)
    store = browser.client.server.app[STORE]
    globex = await _globex_objects(browser.client.server.app)
    before = await _globex_state(store, globex["kb"])
    kb = f"/admin/tenants/acme/knowledge-bases/{globex['kb']}"
    requests = [
        ("GET", kb, None),
        ("GET", f"{kb}?q=refund", None),
        ("POST", f"{kb}/reindex", None),
        ("POST", f"{kb}/documents/delete", {"external_id": globex["doc"]}),
        ("POST", f"{kb}/delete", None),
        ("POST", f"/admin/tenants/acme/api-keys/{globex['key']}/revoke", None),
        ("POST", f"/admin/tenants/acme/entity-types/{globex['type']}/delete", None),
    ]

    for method, path, form in requests:
        if method == "GET":
            response = await browser.get(path)
        else:
            response = await browser.post(path, form)
        shown = await response.text()
        assert response.status in (303, 404), (method, path, response.status)
        assert globex["doc"] not in shown, path
    assert await _globex_state(store, globex["kb"]) == before
    flash = await (await browser.get("/admin/tenants/acme/knowledge-bases")).text()
    assert "deleted" not in flash.lower()


async def test_a_csrf_header_that_is_not_utf8_is_refused_not_a_500(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    cookie = next(c for c in browser.client.session.cookie_jar if c.key == "cuecard_admin")
    header = f"Cookie: cuecard_admin={cookie.value}\r\nX-CSRF-Token: ".encode() + b"\xff\xfe"

    answer = await raw_request(browser.client, "POST", "/api/v1/knowledge-bases", header)

    assert answer.startswith(b"HTTP/1.1 403 "), answer
    assert b'"code": "csrf_rejected"' in answer
