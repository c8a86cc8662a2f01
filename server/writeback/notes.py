"""The agent's wrap-up notes for platforms whose records cuecard writes itself.

For such a platform the widget's notes form is answered here, not by the platform: the notes
are kept with the conversation's write-back and go to the platform with it, at the end (or at
once, if the conversation has ended). Only the agent the conversation belongs to may save
them. Replies are the desktop's to send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from providers.base import Manifest
from server.errors import Forbidden, InvalidInput
from server.state.base import StateStore
from server.store.models import WriteBackStatus
from server.store.write_backs import WriteBackKey, WriteBackRepository


class KeptNotes:
    """``PlatformActions`` for a platform whose write-back carries the agent's notes."""

    def __init__(
        self,
        *,
        platform: str,
        display_name: str,
        outbox: WriteBackRepository,
        state: StateStore,
        wake: Callable[[], None],
    ) -> None:
        self._platform = platform
        self._name = display_name
        self._outbox = outbox
        self._state = state
        self._wake = wake

    async def send_reply(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> str:
        """Refused: the agent's desktop sends replies on this platform."""
        raise InvalidInput(
            f"{self._name} sends replies from the agent's desktop, not through cuecard",
            field="conversation_id",
        )

    async def save_notes(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> None:
        """Keep ``text`` as the notes written back with the conversation."""
        key = WriteBackKey(tenant_id, self._platform, conversation_id)
        await self._check_owner(key, agent_id)
        row = await self._outbox.save_notes(key, agent_id=agent_id, notes=text)
        if row.status is WriteBackStatus.DUE:
            self._wake()

    async def _check_owner(self, key: WriteBackKey, agent_id: str) -> None:
        row = await self._outbox.get(key)
        owner = row.agent_id if row is not None else None
        if owner is None:
            meta = await self._state.meta(key.tenant_id, key.conversation_id)
            owner = meta.agent_id or await self._state.reporting_agent(
                key.tenant_id, key.conversation_id
            )
        if owner is None:
            raise InvalidInput(
                "cuecard has not seen this conversation yet; save the notes once it shows",
                field="conversation_id",
            )
        if owner != agent_id:
            raise Forbidden("this conversation is another agent's", field="conversation_id")


def kept_notes(
    platforms: Mapping[str, Manifest],
    outbox: WriteBackRepository,
    state: StateStore,
    wake: Callable[[], None],
) -> dict[str, KeptNotes]:
    """Notes kept by cuecard for each platform with conversation records and no agent actions."""
    return {
        name: KeptNotes(
            platform=name,
            display_name=manifest.display_name,
            outbox=outbox,
            state=state,
            wake=wake,
        )
        for name, manifest in platforms.items()
        if manifest.records is not None and manifest.actions is None
    }
