"""A database error never writes the statement's parameters (hashes, bodies, keys) to a log."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from server.app import create_app
from server.keys import STORE
from tests.fixtures.app import make_settings, seed_tenants


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record's message and formatted traceback, as a log handler would write them."""
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter())
    return "\n".join(handler.format(record) for record in caplog.records)


async def test_a_failed_write_logs_no_parameter_values(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    keys = await seed_tenants(database_url)
    client = await aiohttp_client(create_app(make_settings(tmp_path, database_url=database_url)))
    headers = {"Authorization": f"Bearer {keys['acme']}"}
    kb_id = (await (await client.get("/api/v1/knowledge-bases", headers=headers)).json())["items"][
        0
    ]["id"]
    async with client.app[STORE]._db.engine.begin() as conn:
        # A table gone from under the server: every write to it fails inside the driver.
        await conn.execute(text("ALTER TABLE documents RENAME TO documents_elsewhere"))
    marker = f"confidential-{secrets.token_hex(8)}"
    caplog.set_level(logging.DEBUG)

    response = await client.put(
        f"/api/v1/knowledge-bases/{kb_id}/documents/refunds",
        json={"title": "Refunds", "body": f"The refund code is {marker}"},
        headers=headers,
    )

    assert response.status >= 500
    assert caplog.records, "the failure was logged"
    assert marker not in everything_logged(caplog)
    assert marker not in await response.text()
