"""/api/v1/admins answers a tenant admin the same whether another tenant's (or a platform)
account exists or not: no email and no id can be probed."""

from __future__ import annotations

from typing import Any

from server.auth.admins import TAKEN_EMAILS_LIMIT
from server.keys import ADMINS
from tests.server.admin.conftest import ACME_ADMIN, GLOBEX_ADMIN, PASSWORD, PLATFORM


async def create(browser: Any, email: str) -> Any:
    return await browser.client.post(
        "/api/v1/admins",
        json={"email": email, "password": PASSWORD, "role": "tenant", "tenant_id": "acme"},
        headers={"X-CSRF-Token": browser.csrf},
    )


async def delete(browser: Any, admin_id: str) -> Any:
    return await browser.client.delete(
        f"/api/v1/admins/{admin_id}", headers={"X-CSRF-Token": browser.csrf}
    )


async def test_an_email_taken_in_another_tenant_looks_like_one_taken_in_your_own(
    open_browser: Any,
) -> None:
    browser = await open_browser(ACME_ADMIN)
    assert (await create(browser, "amy@acme.example")).status == 201

    own = await create(browser, "amy@acme.example")
    elsewhere = await create(browser, GLOBEX_ADMIN)
    platform = await create(browser, PLATFORM)

    bodies = [await response.json() for response in (own, elsewhere, platform)]
    assert [response.status for response in (own, elsewhere, platform)] == [409, 409, 409]
    assert bodies[0] == bodies[1] == bodies[2]
    assert GLOBEX_ADMIN not in str(bodies[1])


async def test_a_platform_admin_id_is_not_found_like_one_that_does_not_exist(
    open_browser: Any,
) -> None:
    browser = await open_browser(ACME_ADMIN)
    admins = browser.client.server.app[ADMINS]
    platform = next(a for a in await admins.list() if a.email == PLATFORM)
    globex = next(a for a in await admins.list("globex"))

    of_platform = await delete(browser, platform.id)
    of_globex = await delete(browser, globex.id)
    of_nobody = await delete(browser, "0123456789abcdef0123456789abcdef")

    assert [r.status for r in (of_platform, of_globex, of_nobody)] == [404, 404, 404]
    bodies = [await r.json() for r in (of_platform, of_globex, of_nobody)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert await admins.get(platform.id)
    assert await admins.get(globex.id)


async def test_a_platform_admin_still_manages_every_account(open_browser: Any) -> None:
    browser = await open_browser(PLATFORM)
    globex = next(a for a in await browser.client.server.app[ADMINS].list("globex"))

    response = await delete(browser, globex.id)

    assert response.status == 204


async def test_probing_for_emails_in_use_stops_after_a_few_refusals(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    taken = [GLOBEX_ADMIN, PLATFORM, ACME_ADMIN, GLOBEX_ADMIN, PLATFORM]

    refused = [(await create(browser, email)).status for email in taken[: TAKEN_EMAILS_LIMIT.limit]]
    free = await create(browser, "brand-new@acme.example")
    also_taken = await create(browser, GLOBEX_ADMIN)

    assert refused == [409] * TAKEN_EMAILS_LIMIT.limit
    # From here on a free address and a taken one get the same answer.
    assert (free.status, also_taken.status) == (429, 429)
    assert (await free.json()) == (await also_taken.json())
    platform = await open_browser(PLATFORM)
    assert (await create(platform, "brand-new@acme.example")).status == 201
