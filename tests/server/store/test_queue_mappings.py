"""Queue mappings: upserted by (tenant, provider, queue), scoped to a tenant, own KBs only."""

from __future__ import annotations

import pytest

from server.errors import Conflict, InvalidInput
from server.store import Store, Tenant
from server.store.llm_integrations import SealedKey


async def test_put_creates_then_replaces(store: Store, acme: Tenant) -> None:
    kb = await store.knowledge_bases.create(acme.id, "billing")

    first, created = await store.queue_mappings.put(acme.id, "genesys", "billing", kb_id=kb.id)
    second, created_again = await store.queue_mappings.put(
        acme.id, "genesys", "billing", system_prompt="Be brief."
    )

    assert (created, created_again) == (True, False)
    assert second.id == first.id
    assert second.created_at == first.created_at
    assert (second.kb_id, second.system_prompt) == (None, "Be brief.")
    assert await store.queue_mappings.list(acme.id) == [second]


async def test_candidates_are_the_exact_and_wildcard_rows(store: Store, acme: Tenant) -> None:
    for provider, queue in [
        ("genesys", "billing"),
        ("*", "billing"),
        ("genesys", "*"),
        ("*", "*"),
        ("five9", "billing"),
        ("genesys", "sales"),
    ]:
        await store.queue_mappings.put(acme.id, provider, queue)

    rows = await store.queue_mappings.candidates(acme.id, "genesys", "billing")
    unknown_provider = await store.queue_mappings.candidates(acme.id, None, "billing")

    assert {(row.provider, row.queue) for row in rows} == {
        ("genesys", "billing"),
        ("*", "billing"),
        ("genesys", "*"),
        ("*", "*"),
    }
    assert {(row.provider, row.queue) for row in unknown_provider} == {
        ("*", "billing"),
        ("*", "*"),
    }


async def test_another_tenants_kb_or_integration_is_refused_by_name(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    theirs = await store.knowledge_bases.create(globex.id, "main")
    their_llm = await store.llm_integrations.create(
        globex.id, name="llm", base_url="https://llm.example/v1", model="m", api_key=None
    )

    with pytest.raises(InvalidInput) as kb_error:
        await store.queue_mappings.put(acme.id, "*", "*", kb_id=theirs.id)
    with pytest.raises(InvalidInput) as llm_error:
        await store.queue_mappings.put(acme.id, "*", "*", llm_integration_id=their_llm.id)

    assert (kb_error.value.field, llm_error.value.field) == ("kb_id", "llm_integration_id")
    assert await store.queue_mappings.list(acme.id) == []


async def test_reads_and_deletes_are_scoped_to_the_tenant(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    await store.queue_mappings.put(acme.id, "genesys", "billing", system_prompt="acme")

    assert await store.queue_mappings.get(globex.id, "genesys", "billing") is None
    assert await store.queue_mappings.candidates(globex.id, "genesys", "billing") == []
    assert not await store.queue_mappings.delete(globex.id, "genesys", "billing")
    assert await store.queue_mappings.delete(acme.id, "genesys", "billing")
    assert await store.queue_mappings.get(acme.id, "genesys", "billing") is None


async def test_a_routed_kb_or_integration_cannot_be_deleted(store: Store, acme: Tenant) -> None:
    kb = await store.knowledge_bases.create(acme.id, "billing")
    llm = await store.llm_integrations.create(
        acme.id,
        name="llm",
        base_url="https://llm.example/v1",
        model="m",
        api_key=SealedKey("sealed", "1234"),
    )
    await store.queue_mappings.put(acme.id, "*", "billing", kb_id=kb.id, llm_integration_id=llm.id)

    with pytest.raises(Conflict):
        await store.knowledge_bases.delete(acme.id, kb.id)
    with pytest.raises(Conflict):
        await store.llm_integrations.delete(acme.id, llm.id)

    await store.queue_mappings.delete(acme.id, "*", "billing")
    assert await store.knowledge_bases.delete(acme.id, kb.id)
    assert await store.llm_integrations.delete(acme.id, llm.id)
