"""The entity types page: tenant patterns and the details threshold, validated and isolated."""

from __future__ import annotations

from typing import Any

from server.keys import STORE
from tests.server.admin.conftest import ACME_ADMIN, GLOBEX_ADMIN

PAGE = "/admin/tenants/acme/entity-types"


async def test_a_tenant_admin_adds_a_pattern_tries_it_and_deletes_it(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    added = await browser.post(
        PAGE, {"name": "loyalty_id", "pattern": r"LY-\d{6}", "confidence": "0.95"}
    )
    tried = await browser.post(PAGE + "/try", {"sample": "my loyalty card is LY-204816"})
    page = await tried.text()
    store = browser.client.server.app[STORE]
    [kind] = await store.entity_types.list("acme")

    assert added.status == 303
    assert (kind.name, kind.pattern, kind.confidence) == ("loyalty_id", r"LY-\d{6}", 0.95)
    assert "LY-204816" in page
    assert "loyalty_id" in page
    assert tried.headers["Cache-Control"] == "no-store"

    deleted = await browser.post(f"{PAGE}/{kind.id}/delete")
    assert deleted.status == 303
    assert await store.entity_types.list("acme") == []


async def test_a_pattern_that_could_hang_or_does_not_compile_is_refused(
    open_browser: Any,
) -> None:
    browser = await open_browser(ACME_ADMIN)
    nested = await browser.post(PAGE, {"name": "bad", "pattern": "(a+)+b", "confidence": "0.9"})
    broken = await browser.post(PAGE, {"name": "bad", "pattern": "LY-(", "confidence": "0.9"})
    named = await browser.post(PAGE, {"name": "Bad Name", "pattern": "x", "confidence": "0.9"})

    assert [nested.status, broken.status, named.status] == [422, 422, 422]
    assert "nested repetition" in await nested.text()
    assert "not a regular expression" in await broken.text()
    assert await browser.client.server.app[STORE].entity_types.list("acme") == []


async def test_the_threshold_is_saved_and_checked(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    saved = await browser.post(PAGE + "/threshold", {"threshold": "0.7"})
    refused = await browser.post(PAGE + "/threshold", {"threshold": "7"})
    store = browser.client.server.app[STORE]

    assert saved.status == 303
    assert refused.status == 422
    assert await store.entity_types.threshold("acme") == 0.7


async def test_another_tenants_admin_cannot_see_or_change_them(open_browser: Any) -> None:
    acme = await open_browser(ACME_ADMIN)
    await acme.post(PAGE, {"name": "loyalty_id", "pattern": r"LY-\d{6}", "confidence": "0.9"})
    globex = await open_browser(GLOBEX_ADMIN)

    seen = await globex.get(PAGE)
    changed = await globex.post(PAGE + "/threshold", {"threshold": "0.1"})

    # Another tenant's pages do not exist for this admin.
    assert seen.status == 404
    assert changed.status == 404
    assert await acme.client.server.app[STORE].entity_types.threshold("acme") is None
