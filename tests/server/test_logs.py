"""Logs never contain customer text, tokens or API keys."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.logs import PathOnlyAccessLogger
from tests.fixtures.app import customer_says

SECRET_TEXT = "my card number is 4111 1111 1111 1111"


async def test_pipeline_logs_ids_not_content(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    tokens: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = tokens.mint("acme", "agent-1", supervisor=True)
    widget = await connect_widget(token=token)
    await widget.call("join", {"conversation_id": "conv-1"})
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    await client.post("/api/v1/events", json=customer_says("e1", SECRET_TEXT), headers=headers)
    await client.post("/api/v1/events", json=customer_says("e1", SECRET_TEXT), headers=headers)
    await client.post("/api/v1/events", data=b"not json " + SECRET_TEXT.encode(), headers=headers)
    await widget.call("search", {"query": SECRET_TEXT})
    await widget.next("transcript")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "4111" not in logged
    assert token not in logged
    assert api_keys["acme"] not in logged


def test_access_log_drops_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logger = PathOnlyAccessLogger(logging.getLogger("access"), "")

    class Request:
        method = "GET"
        path = "/widget/"

    class Response:
        status = 200

    logger.log(Request(), Response(), 0.002)  # type: ignore[arg-type]

    assert caplog.records[0].getMessage() == "GET /widget/ 200 2.0ms"
