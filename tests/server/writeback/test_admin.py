"""The admin portal for a Salesforce integration: the form, Test connection with Salesforce's
real answer, and the Health page's write-back section with the org's API usage."""

from __future__ import annotations

import html
import re
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from server.keys import STORE
from server.store.schema import integrations
from tests.doubles.salesforce.world import SalesforceWorld
from tests.fixtures.salesforce import app_keys, stranger_keys
from tests.server.admin.conftest import ACME_ADMIN, Browser, create_admins

from .conftest import Conversation, auth, eventually

RESULT = re.compile(r'data-testid="check-result">(.*?)</div>', re.S)


async def admin(client: TestClient[Any, Any]) -> Browser:
    await create_admins(client.app)
    browser = Browser(client)
    assert (await browser.sign_in(ACME_ADMIN)).status == 303
    return browser


def shown(page: str) -> str:
    found = RESULT.search(page)
    assert found is not None, "no check result on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found[1])).split())


async def integration_id(client: TestClient[Any, Any], key: str) -> str:
    listed = await (await client.get("/api/v1/integrations", headers=auth(key))).json()
    [integration] = listed["items"]
    return str(integration["id"])


async def test_the_form_shows_every_salesforce_setting_with_its_help(
    client: TestClient[Any, Any],
) -> None:
    browser = await admin(client)
    page = await (await browser.get("/admin/tenants/acme/integrations?provider=salesforce")).text()
    for name in ("my_domain_url", "organization_id", "consumer_key", "username", "private_key"):
        assert f'name="settings.{name}"' in page
    assert 'name="settings.private_key" type="password"' in page
    assert "PEM RSA private key whose certificate is uploaded to the app" in page


async def test_the_private_key_is_stored_sealed_and_never_shown_again(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    # The key's base64 body, which no reformatting of the PEM would hide.
    body = "".join(app_keys().private_pem.splitlines()[1:-1])
    browser = await admin(client)
    form = f"/admin/tenants/acme/integrations/{await integration_id(client, api_keys['acme'])}"
    page = await browser.get(form)
    listed = await client.get("/api/v1/integrations", headers=auth(api_keys["acme"]))
    assert page.status == listed.status == 200
    shown_again = [await page.text(), await listed.text()]
    assert 'name="settings.private_key"' in shown_again[0]
    async with client.app[STORE]._db.reading() as conn:  # the raw row, as a thief would see it
        row = (await conn.execute(select(integrations))).one()
    for text in [*shown_again, repr(tuple(row))]:
        assert body[:40] not in text
        assert "PRIVATE KEY" not in text


async def test_test_connection_shows_salesforces_own_answer(
    client: TestClient[Any, Any], api_keys: dict[str, str], salesforce_double: TestServer
) -> None:
    browser = await admin(client)
    key = api_keys["acme"]
    page = f"/admin/tenants/acme/integrations/{await integration_id(client, key)}"

    working = shown(await (await browser.post(f"{page}/test")).text())
    await client.patch(
        f"/api/v1/integrations/{await integration_id(client, key)}",
        json={"settings": {"private_key": stranger_keys().private_pem}},
        headers=auth(key),
    )
    broken = shown(await (await browser.post(f"{page}/test")).text())

    assert working == (
        "Test passed. Signed in as cuecard-integration@acme.example in org 00DHo000000CueCMAS; "
        "1 of 100,000 API requests used in the last 24 hours."
    )
    assert broken == (
        "Connection failed salesforce_grant_refused Salesforce refused the JWT bearer sign-in as "
        "cuecard-integration@acme.example (invalid_grant: invalid assertion) — the certificate "
        "uploaded to the External Client App does not match private_key"
    )


async def test_health_shows_the_orgs_api_usage_and_the_write_backs(
    client: TestClient[Any, Any], salesforce_world: SalesforceWorld, conversation: Conversation
) -> None:
    salesforce_world.api_used, salesforce_world.api_max = 41_230, 100_000
    await conversation.hand_in("ended")
    await eventually(lambda: len(conversation.tasks()) == 1)
    browser = await admin(client)

    page = await (await browser.get("/admin/tenants/acme/health")).text()

    row = page.split('<tr data-write-back="salesforce">', 1)[1].split("</tr>", 1)[0]
    usage = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert usage.startswith(f"Salesforce Service Cloud {salesforce_world.api_used:,} / 100,000")
    assert "0 0 1 0" in usage  # refused, waiting, written, failed
