"""Resolve a conversation's (provider, queue) to a :class:`Route`, with a per-process cache.

Resolution order, first match wins:

1. the exact ``(provider, queue)`` row;
2. ``("*", queue)``: this queue on any provider;
3. ``(provider, "*")``: the provider's default;
4. ``("*", "*")``: the tenant's default row;
5. no row: the tenant's default knowledge base, with no prompt and no LLM.

A row without a ``kb_id`` uses the tenant's default knowledge base.

Example::

    resolver = RouteResolver(store)
    route = await resolver.resolve("acme", "acmedesk", "billing")
    resolver.invalidate("acme")   # after any change to acme's mappings or knowledge bases
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from server.assist.base import Route
from server.errors import Unavailable
from server.singleflight import SingleFlight
from server.store.database import Store
from server.store.models import QueueMapping
from server.store.queue_mappings import ANY

log = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 60.0
CACHE_MAX_ENTRIES = 10_000


class RouteSource(Protocol):
    """What the pipeline and the widget's search ask for: a conversation's route."""

    async def resolve(self, tenant_id: str, provider: str | None, queue: str | None) -> Route:
        """The route for ``(provider, queue)``; ``None`` parts match only wildcard rows."""


class Match(StrEnum):
    """Which rule produced a route."""

    EXACT = "exact"
    ANY_PROVIDER = "any_provider"
    PROVIDER_DEFAULT = "provider_default"
    TENANT_DEFAULT = "tenant_default"
    DEFAULT_KB = "default_kb"


@dataclass(frozen=True, slots=True)
class Resolution:
    """A route and the mapping row (if any) it came from."""

    route: Route
    match: Match
    mapping: QueueMapping | None = None


def pick_mapping(
    rows: Sequence[QueueMapping], provider: str | None, queue: str | None
) -> tuple[Match, QueueMapping] | None:
    """The row that routes ``(provider, queue)`` and the rule that chose it, if any does."""
    by_key = {(row.provider, row.queue): row for row in rows}
    order = (
        (provider, queue, Match.EXACT),
        (ANY, queue, Match.ANY_PROVIDER),
        (provider, ANY, Match.PROVIDER_DEFAULT),
        (ANY, ANY, Match.TENANT_DEFAULT),
    )
    for want_provider, want_queue, match in order:
        if want_provider is None or want_queue is None:
            continue
        if (row := by_key.get((want_provider, want_queue))) is not None:
            return match, row
    return None


def resolve_rows(
    rows: Sequence[QueueMapping], provider: str | None, queue: str | None, default_kb: str | None
) -> Resolution:
    """Apply the resolution order to a tenant's candidate rows (pure, for tests and admins)."""
    picked = pick_mapping(rows, provider, queue)
    if picked is None:
        return Resolution(Route(kb_id=default_kb), Match.DEFAULT_KB)
    match, row = picked
    route = Route(
        kb_id=row.kb_id or default_kb,
        system_prompt=row.system_prompt,
        llm_integration_id=row.llm_integration_id,
    )
    return Resolution(route, match, row)


_Key = tuple[str, str | None, str | None]


class RouteResolver:
    """Routes from the store, cached per process until invalidated (or for at most a TTL).

    The TTL only bounds staleness should an invalidation from another node be lost.
    """

    def __init__(
        self,
        store: Store,
        *,
        ttl_seconds: float = CACHE_TTL_SECONDS,
        max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._cache: dict[_Key, tuple[float, Route]] = {}
        # Bumped by every invalidation, so a read that raced one is not cached.
        self._epoch = 0
        self._generation: dict[str, int] = {}
        self._lookups: SingleFlight[Route] = SingleFlight()

    async def resolve(self, tenant_id: str, provider: str | None, queue: str | None) -> Route:
        """The route for a conversation; the tenant's defaults if the database is down."""
        key = (tenant_id, provider, queue)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        fallback = cached[1] if cached is not None else Route()
        # Callers after an invalidation must not join a load that started before it.
        flight = (key, self._generation_of(tenant_id))
        return await self._lookups.load(flight, lambda: self._load(key, fallback))

    async def _load(self, key: _Key, fallback: Route) -> Route:
        tenant_id, provider, queue = key
        generation = self._generation_of(tenant_id)
        try:
            route = (await self.explain(tenant_id, provider, queue)).route
        except Unavailable:
            log.debug("route for tenant %s unresolved: database unavailable", tenant_id)
            return fallback
        if self._generation_of(tenant_id) == generation:
            self._remember(key, route)
        return route

    async def explain(self, tenant_id: str, provider: str | None, queue: str | None) -> Resolution:
        """Resolve from the database, uncached, saying which rule matched."""
        rows = await self._store.queue_mappings.candidates(tenant_id, provider, queue)
        default = await self._store.knowledge_bases.get_default(tenant_id)
        return resolve_rows(rows, provider, queue, default.id if default else None)

    def invalidate(self, tenant_id: str | None = None) -> None:
        """Forget cached routes of one tenant, or of every tenant."""
        if tenant_id is None:
            self._cache.clear()
            self._epoch += 1
            return
        self._generation[tenant_id] = self._generation.get(tenant_id, 0) + 1
        for key in [key for key in self._cache if key[0] == tenant_id]:
            del self._cache[key]

    def _generation_of(self, tenant_id: str) -> tuple[int, int]:
        return self._epoch, self._generation.get(tenant_id, 0)

    def _remember(self, key: _Key, route: Route) -> None:
        if len(self._cache) >= self._max:
            # Rare (many distinct queues); starting over is simpler than tracking recency.
            self._cache.clear()
        self._cache[key] = (self._clock() + self._ttl, route)
