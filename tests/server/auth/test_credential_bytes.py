"""Credentials that are not text: header bytes that do not decode as UTF-8 are refused, not 500.

aiohttp keeps such bytes as lone surrogates in the header's ``str``; anything that encodes it
back to bytes (to hash a key, or compare a token) must not be the first to notice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from tests.fixtures.app import make_settings

NOT_UTF8 = b"cc_\xff\xfe"


async def raw_request(client: TestClient[Any, Any], method: str, path: str, header: bytes) -> bytes:
    """The status line and body of a request carrying one hand-written header line."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    head = f"{method} {path} HTTP/1.1\r\nHost: cuecard\r\nConnection: close\r\n".encode()
    writer.write(head + header + b"\r\nContent-Length: 2\r\n\r\n{}")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    status, _, rest = answer.partition(b"\r\n")
    return status + b" " + rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize(
    "header",
    [
        b"X-Api-Key: " + NOT_UTF8,
        b"Authorization: Bearer " + NOT_UTF8,
        b"Cookie: cuecard_admin=" + NOT_UTF8,
    ],
)
async def test_a_credential_that_is_not_utf8_is_unauthenticated(
    client: TestClient[Any, Any], header: bytes
) -> None:
    answer = await raw_request(client, "POST", "/api/v1/events", header)

    assert answer.startswith(b"HTTP/1.1 401 "), answer
    assert b'"code": "unauthenticated"' in answer


async def test_a_metrics_token_that_is_not_utf8_is_unauthenticated(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]], tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_settings(tmp_path, metrics_token="scrape-t0k3n")))

    answer = await raw_request(client, "GET", "/metrics", b"Authorization: Bearer " + NOT_UTF8)

    assert answer.startswith(b"HTTP/1.1 401 "), answer
