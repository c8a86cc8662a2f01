"""LLM integrations: the sealed key is stored but never read back with the record."""

from __future__ import annotations

import pytest

from server.errors import Conflict, NotFound
from server.store import Store, Tenant
from server.store.llm_integrations import SealedKey

SEALED = SealedKey(ciphertext="gAAAA-sealed", last4="9xyz")


async def test_records_say_whether_a_key_is_set_but_not_what_it_is(
    store: Store, acme: Tenant
) -> None:
    created = await store.llm_integrations.create(
        acme.id, name="openai", base_url="https://api.example/v1", model="m", api_key=SEALED
    )

    assert created.has_api_key
    assert created.api_key_last4 == "9xyz"
    assert "sealed" not in created.model_dump_json()
    assert await store.llm_integrations.sealed_api_key(acme.id, created.id) == "gAAAA-sealed"


async def test_update_changes_only_the_given_fields(store: Store, acme: Tenant) -> None:
    created = await store.llm_integrations.create(
        acme.id, name="openai", base_url="https://api.example/v1", model="m", api_key=SEALED
    )

    renamed = await store.llm_integrations.update(acme.id, created.id, model="m2")
    keyless = await store.llm_integrations.update(acme.id, created.id, api_key=None)

    assert (renamed.name, renamed.model, renamed.has_api_key) == ("openai", "m2", True)
    assert (keyless.has_api_key, keyless.api_key_last4) == (False, None)
    assert await store.llm_integrations.sealed_api_key(acme.id, created.id) is None


async def test_names_are_unique_per_tenant(store: Store, acme: Tenant, globex: Tenant) -> None:
    options = {"name": "llm", "base_url": "https://api.example/v1", "model": "m", "api_key": None}
    await store.llm_integrations.create(acme.id, **options)
    await store.llm_integrations.create(globex.id, **options)

    with pytest.raises(Conflict):
        await store.llm_integrations.create(acme.id, **options)


async def test_another_tenants_integration_is_invisible(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    created = await store.llm_integrations.create(
        acme.id, name="llm", base_url="https://api.example/v1", model="m", api_key=SEALED
    )

    assert await store.llm_integrations.get(globex.id, created.id) is None
    assert await store.llm_integrations.list(globex.id) == []
    assert await store.llm_integrations.sealed_api_key(globex.id, created.id) is None
    with pytest.raises(NotFound):
        await store.llm_integrations.update(globex.id, created.id, model="x")
    assert not await store.llm_integrations.delete(globex.id, created.id)


async def test_the_dense_retrieval_switch_defaults_on(store: Store, acme: Tenant) -> None:
    assert acme.dense_retrieval
    switched = await store.tenants.set_dense_retrieval(acme.id, False)
    assert not switched.dense_retrieval
    stored = await store.tenants.get(acme.id)
    assert stored is not None
    assert not stored.dense_retrieval


async def test_knowledge_bases_can_be_renamed_demoted_and_deleted(
    store: Store, acme: Tenant
) -> None:
    kb = await store.knowledge_bases.create(acme.id, "main", is_default=True)

    changed = await store.knowledge_bases.update(acme.id, kb.id, name="support", is_default=False)

    assert (changed.name, changed.is_default) == ("support", False)
    assert await store.knowledge_bases.get_default(acme.id) is None
    assert await store.knowledge_bases.delete(acme.id, kb.id)
    assert not await store.knowledge_bases.delete(acme.id, kb.id)
