"""Store fixtures: a migrated store on each backend, and a tenant in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.cli.common import open_store
from server.store import Store, Tenant

# ``database_url`` and the PostgreSQL cluster come from the ``tests.fixtures.postgres`` plugin,
# which the root conftest enables.


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A store on an empty, migrated database; closed after the test."""
    async with open_store(database_url) as store:
        yield store


@pytest.fixture
async def acme(store: Store) -> Tenant:
    """A tenant."""
    return await store.tenants.create("acme", "Acme Corp")


@pytest.fixture
async def globex(store: Store) -> Tenant:
    """Another tenant, to check that tenants never see each other's records."""
    return await store.tenants.create("globex", "Globex")
