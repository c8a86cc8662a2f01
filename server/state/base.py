"""The contract both state backends (memory, Redis) implement."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from server.conversation import Line
from server.state.models import Assignment, ConversationMeta, MetaChanges

# A claim lapses this long after it was taken or last renewed. The node processing the event
# renews it every third of that (server.state.claims), so only a dead or frozen node's claim
# lapses, and then within CLAIM_SECONDS: another delivery may then take the event over.
CLAIM_SECONDS = 10.0


class Claim(StrEnum):
    """What :meth:`StateStore.claim_event` found."""

    # The caller now processes the event: complete or release it.
    TAKEN = "taken"
    # The event was processed before: this delivery is a duplicate.
    DONE = "done"
    # Another delivery is processing it right now: retry once that has finished (or lapsed).
    IN_PROGRESS = "in_progress"


# A conversation stays bound to the agent whose desktop reported it this long after that
# agent's last report: live conversation state lives as long.
REPORTER_SECONDS = 24 * 3600


class StateStore(Protocol):
    """Shared live state. Every method is scoped by tenant; nothing crosses tenants."""

    claim_seconds: float

    async def claim_event(self, key: str) -> Claim:
        """Take an event for processing, unless it is done or being processed already."""

    async def renew_claim(self, key: str) -> bool:
        """Extend this node's claim by ``claim_seconds``; False if it is no longer ours."""

    async def complete_event(self, key: str) -> None:
        """Mark a claimed event done, so later deliveries are recognised as duplicates."""

    async def release_event(self, key: str) -> None:
        """Give this node's claim back after a failure, so a retry can process the event."""

    async def append_line(self, tenant_id: str, conversation_id: str, line: Line) -> int:
        """Keep a transcript line (numbered by the journal) for the assist step, the newest up
        to the cap; a line already kept for its event is not kept again.

        Returns the newest journal position the live state had applied to the conversation
        before (0: it did not know the conversation, being new or lost in a Redis restart).
        A caller far ahead of it restores the conversation from the journal.
        """

    async def update_meta(
        self, tenant_id: str, conversation_id: str, changes: MetaChanges, position: int
    ) -> tuple[ConversationMeta, int]:
        """Apply ``changes`` (the journal's entry at ``position``) to the conversation's
        status; the result, and the newest position applied before (as ``append_line``)."""

    async def restore(
        self,
        tenant_id: str,
        conversation_id: str,
        meta: ConversationMeta,
        lines: list[Line],
        agents: set[str],
    ) -> None:
        """Put back what the journal knows of a conversation the live state forgot."""

    async def meta(self, tenant_id: str, conversation_id: str) -> ConversationMeta:
        """The conversation's status fields, without its transcript (defaults if unknown)."""

    async def recent_lines(self, tenant_id: str, conversation_id: str, limit: int) -> list[Line]:
        """The newest ``limit`` lines, oldest first."""

    async def conversation(
        self, tenant_id: str, conversation_id: str, limit: int
    ) -> tuple[ConversationMeta, list[Line]]:
        """``meta`` and ``recent_lines`` in one read (what the assist step needs of a turn)."""

    async def add_conversation_agent(
        self, tenant_id: str, conversation_id: str, agent_id: str
    ) -> None:
        """Let ``agent_id`` see the conversation: it was assigned to them, or their own
        desktop reported it. Kept as long as the conversation's live state."""

    async def conversation_agents(self, tenant_id: str, conversation_id: str) -> frozenset[str]:
        """The agents who may see the conversation (empty if none yet)."""

    async def assign(self, tenant_id: str, agent_id: str, assignment: Assignment) -> None:
        """Remember the agent's newest conversation, for widgets that open later."""

    async def assignment(self, tenant_id: str, agent_id: str) -> Assignment | None:
        """The agent's newest conversation, if any."""

    async def bind_reporting_agent(
        self, tenant_id: str, conversation_id: str, agent_id: str
    ) -> str:
        """Bind the conversation to the agent whose desktop reports it, unless already bound.

        First writer wins, atomically across nodes: the result is the agent the conversation
        is bound to, ``agent_id`` itself if this call bound it or it was bound to them already
        (which renews the binding).
        """

    async def reporting_agent(self, tenant_id: str, conversation_id: str) -> str | None:
        """The agent whose desktop reported the conversation first, if one did."""

    async def put_ephemeral(self, key: str, value: str, ttl_seconds: int) -> None:
        """Keep a short-lived value (login state, refresh tokens) until it expires."""

    async def get_ephemeral(self, key: str) -> str | None:
        """A short-lived value, or None once it expired or was taken."""

    async def take_ephemeral(self, key: str) -> str | None:
        """Read and delete a short-lived value in one step: of two takers, one gets it."""

    async def ping(self) -> None:
        """Raise server.errors.Unavailable if the backend is unreachable."""

    async def aclose(self) -> None:
        """Release connections."""


def event_key(tenant_id: str, provider: str, provider_event_id: str) -> str:
    """The de-duplication key of one platform event."""
    return f"{tenant_id}\x1f{provider}\x1f{provider_event_id}"
