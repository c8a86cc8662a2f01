"""Knowledge bases: one default per tenant, names unique per tenant, reads scoped to a tenant."""

from __future__ import annotations

import pytest

from server.errors import Conflict, NotFound
from server.store import Store, Tenant


async def test_a_new_default_replaces_the_old_one(store: Store, acme: Tenant) -> None:
    first = await store.knowledge_bases.create(acme.id, "support", is_default=True)
    second = await store.knowledge_bases.create(acme.id, "billing", is_default=True)

    assert await store.knowledge_bases.get_default(acme.id) == second
    defaults = [kb for kb in await store.knowledge_bases.list(acme.id) if kb.is_default]
    assert defaults == [second]
    demoted = await store.knowledge_bases.get(acme.id, first.id)
    assert demoted is not None
    assert not demoted.is_default


async def test_setting_the_default_moves_it(store: Store, acme: Tenant) -> None:
    first = await store.knowledge_bases.create(acme.id, "support", is_default=True)
    second = await store.knowledge_bases.create(acme.id, "billing")

    promoted = await store.knowledge_bases.set_default(acme.id, second.id)

    assert promoted.is_default
    assert await store.knowledge_bases.get_default(acme.id) == promoted
    assert [kb.name for kb in await store.knowledge_bases.list(acme.id) if kb.is_default] == [
        "billing"
    ]
    assert first.id != promoted.id


async def test_each_tenant_keeps_its_own_default(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    ours = await store.knowledge_bases.create(acme.id, "support", is_default=True)
    theirs = await store.knowledge_bases.create(globex.id, "support", is_default=True)

    assert await store.knowledge_bases.get_default(acme.id) == ours
    assert await store.knowledge_bases.get_default(globex.id) == theirs


async def test_names_are_unique_within_a_tenant(store: Store, acme: Tenant) -> None:
    await store.knowledge_bases.create(acme.id, "support")

    with pytest.raises(Conflict, match="support"):
        await store.knowledge_bases.create(acme.id, "support", is_default=True)

    assert await store.knowledge_bases.get_default(acme.id) is None


async def test_lookups_by_name(store: Store, acme: Tenant) -> None:
    kb = await store.knowledge_bases.create(acme.id, "support")

    assert await store.knowledge_bases.get_by_name(acme.id, "support") == kb
    assert await store.knowledge_bases.get_by_name(acme.id, "billing") is None


async def test_a_tenant_cannot_read_another_tenants_knowledge_base(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    kb = await store.knowledge_bases.create(acme.id, "support", is_default=True)

    assert await store.knowledge_bases.get(globex.id, kb.id) is None
    assert await store.knowledge_bases.get_by_name(globex.id, "support") is None
    assert await store.knowledge_bases.get_default(globex.id) is None
    assert await store.knowledge_bases.list(globex.id) == []
    with pytest.raises(NotFound):
        await store.knowledge_bases.set_default(globex.id, kb.id)


async def test_all_lists_every_tenants_knowledge_bases(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    await store.knowledge_bases.create(acme.id, "support")
    await store.knowledge_bases.create(globex.id, "sales")

    everything = await store.knowledge_bases.all()

    assert [(kb.tenant_id, kb.name) for kb in everything] == [
        ("acme", "support"),
        ("globex", "sales"),
    ]


async def test_an_unknown_tenant_gets_no_knowledge_base(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.knowledge_bases.create("nobody", "support")
