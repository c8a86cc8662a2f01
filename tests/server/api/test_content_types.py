"""Browsers take every response's type as declared: none is sniffed into a page.

A JSON body can echo what a caller sent (a refused field's value, an article's title); without
``nosniff`` an old or misconfigured browser may render such a body as HTML on cuecard's origin.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import customer_says


async def test_json_answers_and_errors_are_not_sniffed(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    accepted = await client.post(
        "/api/v1/events", json=customer_says("e1", "<b>hi</b>"), headers=headers
    )
    refused = await client.post("/api/v1/events", json={"kind": "<script>"}, headers=headers)
    unknown = await client.get("/api/v1/no-such-thing", headers=headers)

    assert [accepted.status, refused.status, unknown.status] == [200, 422, 404]
    for response in (accepted, refused, unknown):
        assert response.content_type == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_socket_handshake_over_http_is_not_sniffed(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/socket.io/?EIO=4&transport=polling")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
