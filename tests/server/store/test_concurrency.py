"""Concurrent writers: the store queues them instead of failing or duplicating rows."""

from __future__ import annotations

import asyncio

from server.store import DocumentIn, Store, Tenant


async def test_concurrent_upserts_of_one_document_leave_one_row(store: Store, acme: Tenant) -> None:
    kb = await store.knowledge_bases.create(acme.id, "support")
    versions = [DocumentIn(external_id="kb-1", title=f"v{n}", body="text") for n in range(10)]

    results = await asyncio.gather(*(store.documents.upsert(kb, doc) for doc in versions))

    assert sum(created for _, created in results) == 1
    assert len({doc.id for doc, _ in results}) == 1
    assert await store.documents.count(acme.id, kb.id) == 1


async def test_concurrent_conversation_events_merge_into_one_record(
    store: Store, acme: Tenant
) -> None:
    events = [
        {"queue": "billing"},
        {"agent_id": "a-7"},
        {"media": "voice"},
        {"status": "held"},
    ]

    await asyncio.gather(
        *(
            store.conversations.upsert(acme.id, "c-1", provider="simulator", **fields)  # type: ignore[arg-type]
            for fields in events
        )
    )

    record = await store.conversations.get(acme.id, "c-1")
    assert record is not None
    assert (record.queue, record.agent_id, record.media, record.status) == (
        "billing",
        "a-7",
        "voice",
        "held",
    )
