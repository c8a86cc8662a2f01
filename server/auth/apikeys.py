"""Tenant API-key checks, with a short-lived cache of keys that verified."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Protocol

from server.singleflight import SingleFlight

# Ingest calls arrive many times a second with the same key; a database round trip for each
# dominated the pipeline under load (docs/benchmarks.md). A revoked key stops working within
# this many seconds.
CACHE_SECONDS = 30.0
CACHE_ENTRIES = 10_000


class KeyLookup(Protocol):
    """The store's API-key repository, as far as authentication needs it."""

    async def authenticate(self, plaintext: str) -> str | None: ...


class ApiKeyAuthenticator:
    """Maps an API key to its tenant; only keys that verified are remembered, by hash."""

    def __init__(self, lookup: KeyLookup, *, ttl_seconds: float = CACHE_SECONDS) -> None:
        self._lookup = lookup
        self._ttl = ttl_seconds
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lookups: SingleFlight[str | None] = SingleFlight()

    async def tenant_for(self, plaintext: str, *, remembered: bool = True) -> str | None:
        """The tenant the key belongs to, or None if it is unknown or revoked.

        ``remembered=False`` asks the database even for a key verified moments ago, so a key
        revoked since is refused at once.
        """
        if not plaintext.isascii():
            # Keys are ASCII; header bytes that are not UTF-8 reach us as lone surrogates.
            return None
        digest = hashlib.sha256(plaintext.encode()).hexdigest()
        cached = self._verified.get(digest) if remembered else None
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        tenant_id = await self._lookups.load(digest, lambda: self._lookup.authenticate(plaintext))
        if tenant_id is None:
            self._verified.pop(digest, None)
            return None
        self._remember(digest, tenant_id)
        return tenant_id

    def _remember(self, digest: str, tenant_id: str) -> None:
        self._verified[digest] = (tenant_id, time.monotonic() + self._ttl)
        self._verified.move_to_end(digest)
        if len(self._verified) > CACHE_ENTRIES:
            self._verified.popitem(last=False)
