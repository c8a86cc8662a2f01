"""Revealing a record's customer text: the one way to see it, and always on the audit trail."""

from __future__ import annotations

import builtins

from server.auth.access import Principal
from server.errors import InvalidInput, NotFound
from server.observability.telemetry import Telemetry
from server.observability.views import RevealedText, RevealView
from server.store.api_keys import KEY_PATTERN
from server.store.database import Store
from server.store.models import Reveal


def actor_name(principal: Principal, api_key: str | None = None) -> str:
    """How the audit trail names a caller: an admin by email, an API key by its public prefix.

    The prefix is the part of a key stored in clear for look-ups; the secret never appears.
    """
    if principal.admin is not None:
        return f"admin:{principal.admin.email}"
    match = KEY_PATTERN.fullmatch(api_key or "")
    return f"api_key:{match['prefix']}" if match else "api_key"


class RevealService:
    """Finds a tenant's record, records who reveals its text, then hands the text over."""

    def __init__(self, telemetry: Telemetry, store: Store) -> None:
        self._telemetry = telemetry
        self._store = store

    async def reveal(self, tenant_id: str, record_id: str, revealed_by: str) -> RevealedText:
        """The record's text; :class:`NotFound` if the tenant has no such record (any more)."""
        record = await self._telemetry.find(tenant_id, record_id)
        if record is None:
            raise NotFound("no such event record")
        if record.text is None:
            raise InvalidInput("this record has no text to reveal", field="record_id")
        reveal = await self._store.reveals.record(
            tenant_id,
            record_id=record.id,
            revealed_by=revealed_by,
            kind=record.kind,
            conversation_id=record.conversation_id,
            provider=record.provider,
            provider_event_id=record.provider_event_id,
        )
        return RevealedText(record_id=record.id, text=record.text, reveal=RevealView.of(reveal))

    async def list(self, tenant_id: str, limit: int) -> builtins.list[Reveal]:
        """The tenant's newest reveals, newest first."""
        return await self._store.reveals.list(tenant_id, limit=limit)
