"""The OpenAPI document covers the whole API, and fuzzing the API from it finds no 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from server.api.openapi import api_routes, declared
from tests.fixtures.app import SECRET, make_settings, seed_tenants
from tests.fixtures.nodes import running_node

FUZZ_EXAMPLES = 25


async def test_every_api_route_is_declared(client: TestClient[Any, Any]) -> None:
    undeclared = [f"{m} {p}" for m, p, h in api_routes(client.app) if declared(h) is None]

    assert undeclared == []


async def test_document_is_public_and_lists_each_operation(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/v1/openapi.json")

    document = await response.json()
    assert response.status == 200
    assert document["openapi"] == "3.1.0"
    create_kb = document["paths"]["/api/v1/knowledge-bases"]["post"]
    assert create_kb["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/KnowledgeBaseIn"
    }
    assert "201" in create_kb["responses"]
    assert "422" in create_kb["responses"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real ``cuecard serve`` process on a seeded database, for schemathesis to call."""
    folder = Path(tmp_path_factory.mktemp("fuzz"))
    settings = make_settings(folder)
    keys = asyncio.run(seed_tenants(settings.database_url))
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "DATABASE_URL": settings.database_url,
        "CUECARD_LOG_LEVEL": "WARNING",
    }
    with running_node(env, folder / "server.log") as node:
        yield node.base_url, keys["acme"]


def test_fuzzing_every_operation_finds_no_server_error(live_server: tuple[str, str]) -> None:
    base_url, key = live_server
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    schema.config.update(base_url=base_url, headers={"Authorization": f"Bearer {key}"})
    failures: list[str] = []
    statuses: set[int] = set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            response = case.call(timeout=30)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")

        call()

    assert failures == []
    # Authenticated calls got through to the handlers: successes and validation refusals.
    assert {200, 201, 422} <= statuses
    assert 401 not in statuses
