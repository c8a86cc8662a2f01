"""Documents: idempotent by external id, scoped to their tenant's knowledge base."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.store import DocumentIn, KnowledgeBase, Store, Tenant


def article(external_id: str, title: str = "Reset a router", **extra: object) -> DocumentIn:
    return DocumentIn.model_validate(
        {"external_id": external_id, "title": title, "body": "Hold reset for 10 s.", **extra}
    )


@pytest.fixture
async def support(store: Store, acme: Tenant) -> KnowledgeBase:
    return await store.knowledge_bases.create(acme.id, "support", is_default=True)


async def test_upserting_the_same_external_id_twice_keeps_one_document(
    store: Store, support: KnowledgeBase
) -> None:
    first, created_first = await store.documents.upsert(support, article("kb-1"))
    second, created_second = await store.documents.upsert(support, article("kb-1", "Reboot"))

    assert (created_first, created_second) == (True, False)
    assert second.id == first.id
    assert second.title == "Reboot"
    assert await store.documents.count(support.tenant_id, support.id) == 1
    assert await store.documents.list(support.tenant_id, support.id) == [second]


async def test_the_same_content_twice_is_still_one_document(
    store: Store, support: KnowledgeBase
) -> None:
    doc = article("kb-1")
    await store.documents.upsert(support, doc)
    await store.documents.upsert(support, doc)

    assert await store.documents.count(support.tenant_id, support.id) == 1


async def test_documents_keep_all_their_fields(store: Store, support: KnowledgeBase) -> None:
    when = datetime(2026, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    doc = article(
        "kb-1", url="https://help.acme.test/kb-1", tags=["router", "wifi"], updated_at=when
    )

    stored, _ = await store.documents.upsert(support, doc)

    assert stored.url == "https://help.acme.test/kb-1"
    assert stored.tags == ("router", "wifi")
    assert stored.updated_at == when
    assert stored.updated_at.tzinfo == UTC
    assert await store.documents.get(support.tenant_id, support.id, "kb-1") == stored


async def test_a_batch_upsert_writes_each_document_once(
    store: Store, support: KnowledgeBase
) -> None:
    await store.documents.upsert(support, article("kb-1", "Old title"))
    batch = [
        article("kb-1", "New title"),
        article("kb-2"),
        article("kb-3"),
        article("kb-3", "Last"),
    ]

    written = await store.documents.upsert_many(support, batch)

    assert written == 3
    titles = {
        d.external_id: d.title for d in await store.documents.list(support.tenant_id, support.id)
    }
    assert titles == {"kb-1": "New title", "kb-2": "Reset a router", "kb-3": "Last"}
    assert await store.documents.upsert_many(support, []) == 0


async def test_deleting_a_document(store: Store, support: KnowledgeBase) -> None:
    await store.documents.upsert(support, article("kb-1"))

    assert await store.documents.delete(support.tenant_id, support.id, "kb-1") is True
    assert await store.documents.delete(support.tenant_id, support.id, "kb-1") is False
    assert await store.documents.count(support.tenant_id, support.id) == 0


async def test_the_same_external_id_in_two_knowledge_bases_is_two_documents(
    store: Store, acme: Tenant, support: KnowledgeBase
) -> None:
    billing = await store.knowledge_bases.create(acme.id, "billing")
    await store.documents.upsert(support, article("kb-1"))
    await store.documents.upsert(billing, article("kb-1", "Pay a bill"))

    assert await store.documents.count(acme.id, support.id) == 1
    billing_doc = await store.documents.get(acme.id, billing.id, "kb-1")
    assert billing_doc is not None
    assert billing_doc.title == "Pay a bill"


async def test_a_tenant_cannot_read_or_delete_another_tenants_documents(
    store: Store, support: KnowledgeBase, globex: Tenant
) -> None:
    await store.documents.upsert(support, article("kb-1"))

    assert await store.documents.list(globex.id, support.id) == []
    assert await store.documents.count(globex.id, support.id) == 0
    assert await store.documents.get(globex.id, support.id, "kb-1") is None
    assert await store.documents.delete(globex.id, support.id, "kb-1") is False
    assert await store.documents.count(support.tenant_id, support.id) == 1
