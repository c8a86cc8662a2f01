"""Markup stored in any field an admin, an imported article or a platform sets shows as text.

Every page that shows a stored value gets it escaped: the payload never reaches a page as
markup, while its escaped form does (so the value really is on the page, not dropped).
"""

from __future__ import annotations

from typing import Any

from aiohttp import FormData

from server.keys import STORE
from tests.fixtures.app import event
from tests.fixtures.genesys import SERVICE_CLIENT, SERVICE_SECRET, make_world
from tests.server.admin.conftest import ACME_ADMIN

MARKUP = "\"'><img src=x onerror=alert(1)><script>alert(2)</script>"
ESCAPED = "&#34;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
TENANT = "/admin/tenants/acme"


async def store_markup_everywhere(browser: Any, api_key: str) -> str:
    """Save ``MARKUP`` in every field the pages show; returns the knowledge base's page."""
    assert (await browser.post(TENANT, {"name": MARKUP})).status == 303
    kb_page = (await browser.post(f"{TENANT}/knowledge-bases", {"name": MARKUP})).headers[
        "Location"
    ]
    kb_id = kb_page.rsplit("/", 1)[1]
    article = f"# Router reset {MARKUP}\n\nHold the router reset button {MARKUP} for ten seconds."
    form = FormData()
    form.add_field("csrf_token", browser.csrf)
    form.add_field("files", article.encode(), filename="router-reset.md")
    assert (await browser.client.post(f"{kb_page}/upload", data=form)).status == 200
    llm = {"name": MARKUP, "base_url": "http://127.0.0.1:9/v1", "model": MARKUP, "api_key": ""}
    assert (await browser.post(f"{TENANT}/llm-integrations", llm)).status == 303
    mapping = {"provider": "genesys", "queue": MARKUP, "kb_id": kb_id}
    assert (await browser.post(f"{TENANT}/queue-mappings", mapping)).status == 303
    genesys = {
        "provider": "genesys",
        "name": MARKUP,
        "enabled": "",
        "settings.environment": "mypurecloud.com",
        "settings.organization_id": make_world().org_id,
        "settings.client_id": SERVICE_CLIENT,
        "settings.client_secret": SERVICE_SECRET,
    }
    assert (await browser.post(f"{TENANT}/integrations", genesys)).status == 303
    line = event("message", MARKUP, MARKUP, speaker="customer", text=MARKUP, provider="genesys")
    ingested = await browser.client.post(
        "/api/v1/events", json=line, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert ingested.status == 200, await ingested.text()
    return str(kb_page)


async def test_stored_markup_is_escaped_on_every_page_that_shows_it(
    open_browser: Any, api_keys: dict[str, str]
) -> None:
    browser = await open_browser(ACME_ADMIN)
    kb_page = await store_markup_everywhere(browser, api_keys["acme"])
    [integration] = await browser.client.server.app[STORE].integrations.list("acme")
    shown_on = [
        "/admin/tenants",
        TENANT,
        f"{TENANT}/knowledge-bases",
        kb_page,
        f"{kb_page}?q=router+reset+button",
        f"{TENANT}/llm-integrations",
        f"{TENANT}/queue-mappings",
        f"{TENANT}/integrations",
        f"{TENANT}/integrations/{integration.id}",
        f"{TENANT}/events",
    ]

    for path in shown_on:
        response = await browser.get(path)
        page = await response.text()
        assert response.status == 200, path
        assert MARKUP not in page, path
        assert "<img src=x" not in page, path
        assert ESCAPED in page, path


async def test_a_next_address_full_of_markup_is_escaped_on_the_sign_in_form(
    open_browser: Any,
) -> None:
    browser = await open_browser()

    response = await browser.get("/admin/sign-in", params={"next": f"/admin/{MARKUP}"})
    page = await response.text()

    assert response.status == 200
    assert MARKUP not in page
    assert f'name="next" value="/admin/{ESCAPED}"' in page
