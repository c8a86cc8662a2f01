"""Route resolution order, table-driven over the pure function and through the cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.queues.resolver import Match, RouteResolver, resolve_rows
from server.store import QueueMapping, Store, Tenant

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def row(provider: str, queue: str, kb_id: str | None = None) -> QueueMapping:
    return QueueMapping(
        id=f"{provider}-{queue}",
        tenant_id="acme",
        provider=provider,
        queue=queue,
        kb_id=kb_id,
        system_prompt=f"{provider}/{queue}",
        created_at=NOW,
        updated_at=NOW,
    )


ALL = [
    row("genesys", "billing", "kb-exact"),
    row("*", "billing", "kb-any-provider"),
    row("genesys", "*", "kb-provider"),
    row("*", "*", "kb-tenant"),
]


@pytest.mark.parametrize(
    ("rows", "provider", "queue", "match", "kb_id"),
    [
        (ALL, "genesys", "billing", Match.EXACT, "kb-exact"),
        (ALL[1:], "genesys", "billing", Match.ANY_PROVIDER, "kb-any-provider"),
        (ALL[2:], "genesys", "billing", Match.PROVIDER_DEFAULT, "kb-provider"),
        (ALL[3:], "genesys", "billing", Match.TENANT_DEFAULT, "kb-tenant"),
        ([], "genesys", "billing", Match.DEFAULT_KB, "kb-default"),
        (ALL, "five9", "billing", Match.ANY_PROVIDER, "kb-any-provider"),
        (ALL, "genesys", "sales", Match.PROVIDER_DEFAULT, "kb-provider"),
        (ALL, "five9", "sales", Match.TENANT_DEFAULT, "kb-tenant"),
        (ALL, None, "billing", Match.ANY_PROVIDER, "kb-any-provider"),
        (ALL, "genesys", None, Match.PROVIDER_DEFAULT, "kb-provider"),
        (ALL, None, None, Match.TENANT_DEFAULT, "kb-tenant"),
        ([row("*", "*")], "genesys", "billing", Match.TENANT_DEFAULT, "kb-default"),
    ],
)
def test_resolution_order(
    rows: list[QueueMapping], provider: str | None, queue: str | None, match: Match, kb_id: str
) -> None:
    resolution = resolve_rows(rows, provider, queue, "kb-default")

    assert (resolution.match, resolution.route.kb_id) == (match, kb_id)
    expected_prompt = None if resolution.mapping is None else resolution.mapping.system_prompt
    assert resolution.route.system_prompt == expected_prompt


def test_no_row_gives_the_default_kb_without_prompt_or_llm() -> None:
    route = resolve_rows([], "genesys", "billing", "kb-default").route
    assert (route.kb_id, route.system_prompt, route.llm_integration_id) == (
        "kb-default",
        None,
        None,
    )


async def test_routes_are_cached_until_invalidated(store: Store, acme: Tenant) -> None:
    kb = await store.knowledge_bases.create(acme.id, "billing")
    resolver = RouteResolver(store)

    before = await resolver.resolve(acme.id, "genesys", "billing")
    await store.queue_mappings.put(acme.id, "genesys", "billing", kb_id=kb.id)
    cached = await resolver.resolve(acme.id, "genesys", "billing")
    resolver.invalidate(acme.id)
    after = await resolver.resolve(acme.id, "genesys", "billing")

    assert before.kb_id is None
    assert cached == before
    assert after.kb_id == kb.id
