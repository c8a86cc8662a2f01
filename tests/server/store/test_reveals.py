"""Reveals: an append-only audit trail per tenant, newest first."""

from __future__ import annotations

from server.store import Store, Tenant


async def test_reveals_are_listed_newest_first_per_tenant(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    first = await store.reveals.record(
        acme.id,
        record_id="r1",
        revealed_by="api_key:1f2e3d4c",
        kind="message",
        conversation_id="conv-1",
        provider="genesys",
        provider_event_id="m-1",
    )
    second = await store.reveals.record(acme.id, record_id="r2", revealed_by="api_key:1f2e3d4c")
    await store.reveals.record(globex.id, record_id="g1", revealed_by="api_key:99999999")

    listed = await store.reveals.list(acme.id, limit=10)

    assert listed == [second, first]
    assert listed[1].provider_event_id == "m-1"
    assert await store.reveals.list(acme.id, limit=1) == [second]
    assert [reveal.record_id for reveal in await store.reveals.list(globex.id, limit=10)] == ["g1"]
