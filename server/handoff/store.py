"""Keeps each conversation's newest handoff context in live state, for widgets that join later.

Stored beside the rest of a conversation's live state (memory or Redis) for as long, so every
node's widgets see it.
"""

from __future__ import annotations

from pydantic import ValidationError

from server.handoff.models import Handoff
from server.state.base import REPORTER_SECONDS, StateStore

_KEY = "handoff\x1f{tenant}\x1f{conversation}"


class HandoffStore:
    """The newest handoff of a conversation, per tenant."""

    def __init__(self, state: StateStore, ttl_seconds: int = REPORTER_SECONDS) -> None:
        self._state = state
        self._ttl = ttl_seconds

    async def put(self, tenant_id: str, conversation_id: str, handoff: Handoff) -> None:
        """Keep ``handoff`` as the conversation's context (a newer one replaces it)."""
        key = _KEY.format(tenant=tenant_id, conversation=conversation_id)
        await self._state.put_ephemeral(key, handoff.model_dump_json(), self._ttl)

    async def get(self, tenant_id: str, conversation_id: str) -> Handoff | None:
        """The conversation's handoff context, if one arrived (and has not expired)."""
        key = _KEY.format(tenant=tenant_id, conversation=conversation_id)
        stored = await self._state.get_ephemeral(key)
        if stored is None:
            return None
        try:
            return Handoff.model_validate_json(stored)
        except ValidationError:
            # Written by another version of cuecard: show nothing rather than fail the join.
            return None
