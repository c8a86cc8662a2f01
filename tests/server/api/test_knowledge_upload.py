"""Uploads of hostile files: a few kilobytes of PDF that take pypdf minutes, or that it gives
up on, are a 422 naming the file; nothing is written, and reading never holds the event loop."""

from __future__ import annotations

import threading
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from server.kb.loader import read_upload
from server.services import knowledge
from tests.fixtures.pdfs import shared_stream_pdf

KBS = "/api/v1/knowledge-bases"


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def upload(client: TestClient[Any, Any], key: str, name: str, content: bytes) -> Any:
    kb = await client.post(KBS, json={"name": "uploads"}, headers=auth(key))
    form = aiohttp.FormData()
    form.add_field("files", content, filename=name, content_type="application/pdf")
    url = f"{KBS}/{(await kb.json())['id']}/documents:upload"
    return await client.post(url, data=form, headers=auth(key))


async def documents(client: TestClient[Any, Any], key: str) -> list[Any]:
    kbs = (await (await client.get(KBS, headers=auth(key))).json())["items"]
    uploads = next(kb for kb in kbs if kb["name"] == "uploads")
    listed = await client.get(f"{KBS}/{uploads['id']}/documents", headers=auth(key))
    items: list[Any] = (await listed.json())["items"]
    return items


async def test_a_pdf_pypdf_refuses_to_inflate_is_a_422_naming_the_file(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    # 100 MB of spaces compress to 100 KB; pypdf stops inflating at 75 MB (LimitReachedError).
    bomb = shared_stream_pdf(b" " * 100_000_000, pages=1)

    response = await upload(client, api_keys["acme"], "bomb.pdf", bomb)

    assert response.status == 422, await response.text()
    body = await response.json()
    assert (body["code"], body["field"]) == ("invalid_input", "files")
    assert "bomb.pdf" in body["message"]
    assert await documents(client, api_keys["acme"]) == []


async def test_a_pdf_that_takes_too_long_to_read_is_a_422_and_read_off_the_event_loop(
    client: TestClient[Any, Any], api_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each page is 50,000 text operators (a second of pypdf's time here) drawn from one
    # 1 KB stream: 20 pages are 7 MB of content, inside the content budget, and 20 s of work.
    monkeypatch.setattr(knowledge, "UPLOAD_READ_SECONDS", 0.5)
    readers: list[threading.Thread] = []

    def watched_read_upload(*args: Any, **kwargs: Any) -> Any:
        readers.append(threading.current_thread())
        return read_upload(*args, **kwargs)

    monkeypatch.setattr(knowledge, "read_upload", watched_read_upload)
    slow = shared_stream_pdf(b"BT /F1 12 Tf 0 0 Td " + b"(a) Tj " * 50_000 + b"ET", pages=20)

    response = await upload(client, api_keys["acme"], "slow.pdf", slow)

    assert response.status == 422, await response.text()
    body = await response.json()
    assert body["field"] == "files"
    assert "slow.pdf takes too long to read" in body["message"]
    assert await documents(client, api_keys["acme"]) == []
    # Widgets and ingest share the event loop's thread; reading never ran on it.
    assert readers
    assert threading.main_thread() not in readers


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"whatever", "multipart/form-data"),  # no boundary
        (b"not a multipart body", "multipart/form-data; boundary=B"),
        (b"--B\r\nno colon here\r\n\r\nx\r\n--B--\r\n", "multipart/form-data; boundary=B"),
        (
            b'--B\r\nContent-Disposition: form-data; name="files"; filename="a\x00.md"\r\n\r\n'
            b"# T\r\n--B--\r\n",
            "multipart/form-data; boundary=B",
        ),
        (
            b'--B\r\nContent-Disposition: form-data; name="x"\r\n'
            b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nvalue\r\n--B--\r\n",
            "multipart/form-data; boundary=B",
        ),
    ],
    ids=["no-boundary", "no-parts", "part-header", "nul-in-filename", "unknown-charset"],
)
async def test_a_form_that_does_not_parse_is_a_400_not_a_500(
    client: TestClient[Any, Any], api_keys: dict[str, str], body: bytes, content_type: str
) -> None:
    kb = await client.post(KBS, json={"name": "uploads"}, headers=auth(api_keys["acme"]))
    url = f"{KBS}/{(await kb.json())['id']}/documents:upload"

    response = await client.post(
        url, data=body, headers={**auth(api_keys["acme"]), "Content-Type": content_type}
    )

    assert response.status == 400, await response.text()
    assert (await response.json())["code"] == "malformed_body"
    assert (await response.json())["field"] == "files"
    assert await documents(client, api_keys["acme"]) == []
