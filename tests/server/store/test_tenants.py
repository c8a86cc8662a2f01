"""Tenants: created once, listed, configured."""

from __future__ import annotations

from datetime import UTC

import pytest

from server.errors import Conflict, InvalidInput, NotFound
from server.store import Store, Tenant


async def test_a_created_tenant_can_be_read_back(store: Store) -> None:
    created = await store.tenants.create("acme", "Acme Corp", ["https://desk.acme.test"])

    assert await store.tenants.get("acme") == created
    assert created.allowed_origins == ("https://desk.acme.test",)
    assert created.created_at.tzinfo == UTC


async def test_creating_an_existing_tenant_conflicts(store: Store, acme: Tenant) -> None:
    with pytest.raises(Conflict, match="acme"):
        await store.tenants.create("acme", "Someone else")

    assert (await store.tenants.get("acme")) == acme


async def test_a_tenant_id_must_be_a_slug(store: Store) -> None:
    with pytest.raises(InvalidInput) as caught:
        await store.tenants.create("Not A Slug", "Acme")

    assert caught.value.field == "id"
    assert await store.tenants.list() == []


async def test_unknown_tenants_are_none(store: Store) -> None:
    assert await store.tenants.get("nobody") is None


async def test_tenants_are_listed_by_id(store: Store) -> None:
    await store.tenants.create("zeta", "Zeta")
    await store.tenants.create("alpha", "Alpha")

    assert [tenant.id for tenant in await store.tenants.list()] == ["alpha", "zeta"]


async def test_allowed_origins_are_replaced(store: Store, acme: Tenant) -> None:
    updated = await store.tenants.set_allowed_origins("acme", ["https://a.test", "https://b.test"])

    assert updated.allowed_origins == ("https://a.test", "https://b.test")
    assert await store.tenants.get("acme") == updated


async def test_setting_origins_of_an_unknown_tenant_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.tenants.set_allowed_origins("nobody", [])
