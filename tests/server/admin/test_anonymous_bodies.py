"""Anonymous admin requests are read only up to a small limit; signed-in admins upload more."""

from __future__ import annotations

from typing import Any

from aiohttp import FormData

from tests.server.admin.conftest import ACME_ADMIN


async def test_anonymous_admin_posts_are_read_only_up_to_a_small_limit(open_browser: Any) -> None:
    browser = await open_browser()
    form = {"email": "x@example.com", "password": "p" * (256 * 1024), "signin_token": "t"}

    response = await browser.client.post("/admin/sign-in", data=form, allow_redirects=False)

    assert response.status == 413
    assert "too large" in await response.text()


async def test_signed_in_admins_may_still_upload_larger_files(open_browser: Any) -> None:
    browser = await open_browser(ACME_ADMIN)
    created = await browser.post("/admin/tenants/acme/knowledge-bases", {"name": "big"})
    form = FormData()
    form.add_field("csrf_token", browser.csrf)
    body = "# Long article\n\n" + "Routers restart when the lights turn orange. " * 6000
    form.add_field("files", body.encode(), filename="long.md", content_type="text/markdown")

    uploaded = await browser.client.post(
        f"{created.headers['Location']}/upload", data=form, allow_redirects=False
    )

    assert len(body) > 256 * 1024
    assert uploaded.status == 303


async def test_an_anonymous_form_that_does_not_parse_is_a_400_page(open_browser: Any) -> None:
    browser = await open_browser()

    response = await browser.client.post(
        "/admin/sign-in",
        data=b"not a multipart body",
        headers={"Content-Type": "multipart/form-data; boundary=B"},
        allow_redirects=False,
    )

    assert response.status == 400
    assert "cannot be read" in await response.text()
