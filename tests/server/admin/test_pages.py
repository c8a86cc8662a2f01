"""Each admin page, driven as a browser would: forms in, pages and redirects out."""

from __future__ import annotations

import math
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData

from providers.registry import PLATFORMS
from server.admin.embedding import widget_urls
from server.kb.formats import BINARY_PARSERS, ParsedText
from server.keys import STORE
from tests.fixtures.pdfs import make_pdf
from tests.server.admin.conftest import ACME_ADMIN, PASSWORD, PLATFORM

KBS = "/admin/tenants/acme/knowledge-bases"


async def test_a_platform_admin_lists_every_tenant_and_creates_one(open_browser: Any) -> None:
    browser = await open_browser(PLATFORM)

    listing = await (await browser.get("/admin/tenants")).text()
    created = await browser.post(
        "/admin/tenants",
        {"id": "initech", "name": "Initech", "allowed_origins": "https://initech.example"},
    )
    page = await (await browser.get(created.headers["Location"])).text()

    assert "Acme" in listing
    assert "Globex" in listing
    assert created.status == 303
    assert created.headers["Location"] == "/admin/tenants/initech"
    assert "Tenant initech created." in page  # the flash message, shown once


async def test_a_bad_tenant_id_is_shown_next_to_its_field_and_nothing_is_created(
    open_browser: Any,
) -> None:
    browser = await open_browser(PLATFORM)

    response = await browser.post("/admin/tenants", {"id": "Not A Slug", "name": "x"})
    page = await response.text()

    assert response.status == 422
    assert re.search(r'id="tenant-id-error">String should match pattern', page)
    assert 'aria-invalid="true"' in page
    store = browser.client.server.app[STORE]
    assert [t.id for t in await store.tenants.list()] == ["acme", "globex"]


async def test_a_tenant_admin_sees_only_their_tenant(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)

    listing = await (await browser.get("/admin/tenants")).text()

    assert "Acme" in listing
    assert "Globex" not in listing
    assert "New tenant" not in listing


async def test_knowledge_base_create_upload_query_reindex_and_delete(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    created = await browser.post(KBS, {"name": "returns"})
    kb_page = created.headers["Location"]
    form = FormData()
    form.add_field("csrf_token", browser.csrf)
    form.add_field(
        "files",
        b"# Refund window\n\nRefunds are paid within 14 days of the parcel arriving back.",
        filename="refund-window.md",
        content_type="text/markdown",
    )

    uploaded = await browser.client.post(f"{kb_page}/upload", data=form, allow_redirects=False)
    after_upload = await (await browser.get(kb_page)).text()
    results = await (await browser.get(kb_page, params={"q": "when is my refund paid"})).text()
    reindexed = await browser.post(f"{kb_page}/reindex")
    deleted = await browser.post(f"{kb_page}/documents/delete", {"external_id": "refund-window"})
    emptied = await (await browser.get(kb_page)).text()

    assert created.status == 303
    assert uploaded.status == 303
    assert "Uploaded 1 document(s): refund-window." in after_upload
    assert "<code>refund-<wbr>window</code>" in after_upload  # breaks between its parts only
    assert '<span class="rank">#1</span> <strong>Refund window</strong>' in results
    assert re.search(r"Matched \d of \d: (<mark>\w+</mark>, )*<mark>refund</mark>", results)
    assert "score" not in results  # a fused score means nothing to a reader
    assert "<mark>" in results  # the query's words are highlighted in the snippet
    assert reindexed.status == 303
    assert deleted.status == 303
    assert "No documents yet." in emptied


async def test_an_upload_of_an_unsupported_file_explains_itself(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    kb_page = (await browser.post(KBS, {"name": "misc"})).headers["Location"]
    form = FormData()
    form.add_field("csrf_token", browser.csrf)
    form.add_field("files", b"\x00\x01", filename="sheet.xlsx")

    response = await browser.client.post(
        f"{kb_page}/upload", data=form, headers={"Accept": "application/json"}
    )

    assert response.status == 422
    body = await response.json()
    assert body["field"] == "files"
    assert "sheet.xlsx: not a supported type" in body["message"]


async def test_uploaded_files_are_read_off_the_event_loop(
    open_browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PDF's pages take seconds to read: meanwhile the server answers everyone else."""
    read_on: list[int] = []
    parse_pdf = BINARY_PARSERS[".pdf"]

    def recording(data: bytes, *, deadline: float = math.inf) -> ParsedText:
        read_on.append(threading.get_ident())
        return parse_pdf(data, deadline=deadline)

    monkeypatch.setitem(BINARY_PARSERS, ".pdf", recording)
    browser = await open_browser(ACME_ADMIN)
    kb_page = (await browser.post(KBS, {"name": "manuals"})).headers["Location"]
    form = FormData()
    form.add_field("csrf_token", browser.csrf)
    form.add_field("files", make_pdf([["Router reset", "Hold the button."]]), filename="r.pdf")

    uploaded = await browser.client.post(f"{kb_page}/upload", data=form, allow_redirects=False)

    assert uploaded.status == 303
    assert read_on
    assert threading.get_ident() not in read_on


async def test_a_queue_is_mapped_to_a_knowledge_base_and_an_llm(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    kb_id = (await browser.post(KBS, {"name": "billing"})).headers["Location"].rsplit("/", 1)[1]
    llm = await browser.post(
        "/admin/tenants/acme/llm-integrations",
        {"name": "local", "base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key": ""},
    )
    store = browser.client.server.app[STORE]
    [integration] = await store.llm_integrations.list("acme")

    mapped = await browser.post(
        "/admin/tenants/acme/queue-mappings",
        {
            "provider": "genesys",
            "queue": "billing",
            "kb_id": kb_id,
            "llm_integration_id": integration.id,
            "system_prompt": "Be brief.",
        },
    )
    page = await (await browser.get("/admin/tenants/acme/queue-mappings")).text()

    assert llm.status == 303
    assert mapped.status == 303
    mapping = await store.queue_mappings.get("acme", "genesys", "billing")
    assert mapping is not None
    assert (mapping.kb_id, mapping.llm_integration_id) == (kb_id, integration.id)
    assert "Queue billing on genesys mapped." in page


async def test_a_mapping_to_another_tenants_knowledge_base_is_refused_at_its_field(
    open_browser: Any,
) -> None:
    browser = await open_browser(ACME_ADMIN)
    store = browser.client.server.app[STORE]
    [globex_kb] = await store.knowledge_bases.list("globex")

    response = await browser.post(
        "/admin/tenants/acme/queue-mappings",
        {"provider": "*", "queue": "vip", "kb_id": globex_kb.id},
    )

    assert response.status == 422
    assert 'id="f-kb_id-error"' in await response.text()
    assert await store.queue_mappings.list("acme") == []


async def test_an_llm_key_is_stored_sealed_and_never_rendered_back(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    secret = "sk-live-very-secret-4242"

    await browser.post(
        "/admin/tenants/acme/llm-integrations",
        {
            "name": "openai",
            "base_url": "https://api.openai.com/v1",
            "model": "m",
            "api_key": secret,
        },
    )
    page = await (await browser.get("/admin/tenants/acme/llm-integrations")).text()

    assert secret not in page
    assert "••••4242" in page
    store = browser.client.server.app[STORE]
    [integration] = await store.llm_integrations.list("acme")
    sealed = await store.llm_integrations.sealed_api_key("acme", integration.id)
    assert sealed is not None
    assert secret not in sealed


async def test_embedding_shows_each_platforms_url_and_saves_origins(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)

    page = await (await browser.get("/admin/tenants/acme/embedding")).text()
    saved = await browser.post(
        "/admin/tenants/acme/embedding",
        {"allowed_origins": "https://apps.mypurecloud.com\nhttps://app.five9.com"},
    )
    bad = await browser.post("/admin/tenants/acme/embedding", {"allowed_origins": "not a url"})

    genesys = (
        "http://127.0.0.1:8080/widget/genesys?tenant=acme&amp;conversationId={{gcConversationId}}"
        "&amp;gcHostOrigin={{gcHostOrigin}}&amp;gcTargetEnv={{gcTargetEnv}}"
        "&amp;langTag={{gcLangTag}}&amp;usePopupAuth={{gcUsePopupAuth}}"
    )
    assert f'value="{genesys}"' in page
    # Desktops that hand the widget nothing in the URL get the bare entry, nothing dangling.
    assert 'value="http://127.0.0.1:8080/widget/five9?tenant=acme"' in page
    assert 'value="http://127.0.0.1:8080/widget/eight_by_eight?tenant=acme"' in page
    # Every promised desktop has landed: none is named as planned.
    assert 'id="embed-planned"' not in page
    # Salesforce's component takes its values one by one, before any integration exists too.
    setup = dict(
        re.findall(
            r'<label for="setup-[^"]+">([^<]+) for Salesforce Service Cloud</label>\s*'
            r'<div class="copyable">\s*<input [^>]*value="([^"]*)"',
            page,
        )
    )
    assert setup == {
        "Widget URL": "http://127.0.0.1:8080/widget/salesforce?tenant=acme",
        "CSP Trusted Site URL": "http://127.0.0.1:8080",
        "Callback URL": "http://127.0.0.1:8080/auth/salesforce/callback",
        "Lightning origins": "add the Salesforce integration first",
    }
    assert "provider=" not in page
    assert saved.status == 303
    assert bad.status == 422
    assert "line 1:" in await bad.text()
    tenant = await browser.client.server.app[STORE].tenants.get("acme")
    assert tenant.allowed_origins == ("https://apps.mypurecloud.com", "https://app.five9.com")


async def test_an_api_key_is_shown_once_works_and_can_be_revoked(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)

    created = await browser.post("/admin/tenants/acme/api-keys")
    page = await created.text()
    [key] = re.findall(r'id="created-key" type="text" readonly value="(cc_[^"]+)"', page)
    listing = await (await browser.get("/admin/tenants/acme/api-keys")).text()
    works = await browser.client.get("/api/v1/tenant", headers={"X-Api-Key": key})
    store = browser.client.server.app[STORE]
    new = [k for k in await store.api_keys.list("acme") if key.startswith(f"cc_{k.prefix}_")]
    revoked = await browser.post(f"/admin/tenants/acme/api-keys/{new[0].id}/revoke")

    assert created.headers["Cache-Control"] == "no-store"
    assert 'data-copy="created-key"' in page  # a Copy button for the key (shown by admin.js)
    assert key not in listing
    assert works.status == 200
    assert revoked.status == 303
    assert (await store.api_keys.list("acme"))[-1].revoked_at is not None


async def test_the_dense_retrieval_hint_is_true_whether_the_box_is_checked_or_not(
    open_browser: Any,
) -> None:
    browser = await open_browser(ACME_ADMIN)

    page = await (await browser.get("/admin/tenants/acme")).text()

    checkbox = re.search(r'<input id="f-dense_retrieval"[^>]*>', page)
    hint = re.search(r'<p class="help" id="f-dense_retrieval-help">([^<]+)</p>', page)
    assert checkbox is not None
    assert "checked" in checkbox[0]
    assert hint is not None
    assert not hint[1].startswith("Off:")  # it sat under a checked box
    assert "by meaning as well as by their words" in hint[1]
    assert "Unchecked: by words alone" in hint[1]


async def test_sign_out_ends_the_session_on_the_server(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    cookie = browser.client.session.cookie_jar.filter_cookies(browser.client.make_url("/"))
    session_id = cookie["cuecard_admin"].value

    signed_out = await browser.post("/admin/sign-out")
    replay = await browser.client.get(
        "/admin/tenants", headers={"Cookie": f"cuecard_admin={session_id}"}, allow_redirects=False
    )

    assert signed_out.status == 303
    assert replay.status == 303
    assert replay.headers["Location"].startswith("/admin/sign-in")


async def test_a_wrong_password_and_an_unknown_email_read_the_same(open_browser: Any) -> None:
    browser = await open_browser()

    wrong = await browser.sign_in(ACME_ADMIN, "not the password at all")
    unknown = await browser.sign_in("nobody@example.com", PASSWORD)

    assert wrong.status == unknown.status == 401
    for response in (wrong, unknown):
        assert "email or password is wrong" in await response.text()


def test_the_genesys_url_is_the_one_the_install_guide_documents() -> None:
    guide = (Path(__file__).parents[3] / "docs" / "genesys.md").read_text(encoding="utf-8")
    [documented] = re.findall(
        r"^\s*(https://cuecard\.example\.com/widget/genesys\?\S+)$", guide, re.M
    )

    [genesys] = [
        url
        for platform, url, _ in widget_urls("https://cuecard.example.com/", "acme", PLATFORMS)
        if platform == "Genesys Cloud"
    ]

    assert genesys == documented


async def test_admin_responses_cannot_be_framed_and_run_only_their_own_scripts(
    open_browser: Any,
) -> None:
    anonymous, browser = await open_browser(), await open_browser(ACME_ADMIN)

    responses = [
        await anonymous.get("/admin/sign-in"),
        await anonymous.get("/admin/tenants"),  # a redirect to sign in
        await anonymous.get("/admin/static/admin.css"),
        await browser.get("/admin/tenants/acme/embedding"),
        await browser.get("/admin/tenants/globex"),  # 404
    ]

    for response in responses:
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy, response.url
        assert "default-src 'self'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert [r.status for r in responses] == [200, 303, 200, 200, 404]
    assert "style=" not in await responses[3].text()  # inline styles would be blocked


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        # str.isdigit() takes a superscript two, int() does not; nor does int() take 5,000 digits.
        (b'<title>Pay</title><ol start="\xc2\xb2"><li>Open billing</li></ol>', None),
        (b"<title>Pay</title><ol><li value=" + b"9" * 5000 + b">Open billing</li></ol>", None),
        # PostgreSQL cannot store NUL: the file is refused by name, not by the database.
        (b"# Pay\n\nOpen\x00 billing", "pay.html: must not contain NUL characters"),
    ],
)
async def test_an_upload_with_hostile_html_is_read_or_refused_by_name(
    open_browser: Any, content: bytes, problem: str | None
) -> None:
    browser = await open_browser(ACME_ADMIN)
    kb_page = (await browser.post(KBS, {"name": "hostile"})).headers["Location"]
    form = FormData()
    form.add_field("csrf_token", browser.csrf)
    form.add_field("files", content, filename="pay.html")

    response = await browser.client.post(
        f"{kb_page}/upload", data=form, headers={"Accept": "application/json"}
    )

    if problem is None:
        assert response.status < 400
        results = await (await browser.get(kb_page, params={"q": "open billing"})).text()
        assert "<strong>Pay</strong>" in results
    else:
        assert response.status == 422
        body = await response.json()
        assert (body["field"], body["message"]) == ("files", problem)
