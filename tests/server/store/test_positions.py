"""Stream positions: one per integration and topic, moved forward, scoped, forgotten with it."""

from __future__ import annotations

from server.store import Store, Tenant
from server.store.integrations import SealedSettings

TOPIC = "persistent://acmecc01/event-v1/all"


async def _integration(store: Store, tenant_id: str, name: str = "8x8") -> str:
    row = await store.integrations.create(
        tenant_id,
        provider="eight_by_eight",
        name=name,
        enabled=True,
        settings={},
        sealed=SealedSettings(ciphertext=None),
    )
    return row.id


async def test_a_topic_is_read_from_where_it_stopped(store: Store, acme: Tenant) -> None:
    integration = await _integration(store, acme.id)

    before = await store.positions.get(acme.id, integration, TOPIC)
    await store.positions.put(acme.id, integration, TOPIC, "CAEQAQ==")
    await store.positions.put(acme.id, integration, TOPIC, "CAEQAg==")

    assert before is None
    assert await store.positions.get(acme.id, integration, TOPIC) == "CAEQAg=="


async def test_positions_belong_to_one_integration_of_one_tenant(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    ours = await _integration(store, acme.id, "EU")
    other = await _integration(store, acme.id, "US")
    theirs = await _integration(store, globex.id)
    await store.positions.put(acme.id, ours, TOPIC, "CAEQAQ==")

    assert await store.positions.get(acme.id, other, TOPIC) is None
    assert await store.positions.get(globex.id, ours, TOPIC) is None
    assert await store.positions.get(globex.id, theirs, TOPIC) is None


async def test_deleting_the_integration_forgets_its_positions(store: Store, acme: Tenant) -> None:
    integration = await _integration(store, acme.id)
    await store.positions.put(acme.id, integration, TOPIC, "CAEQAQ==")

    await store.integrations.delete(acme.id, integration)

    assert await store.positions.get(acme.id, integration, TOPIC) is None
