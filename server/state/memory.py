"""In-process state for a single server: no Redis needed."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from server.conversation import Line
from server.state.base import CLAIM_SECONDS, REPORTER_SECONDS, Claim
from server.state.models import Assignment, ConversationMeta, MetaChanges

MAX_CONVERSATIONS = 50_000
# Short-lived values kept per kind (the key's prefix before its first ':').
MAX_EPHEMERAL = 100_000


@dataclass
class _Conversation:
    meta: ConversationMeta
    lines: deque[Line]
    # The newest journal position applied here.
    applied: int = 0
    by_event: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)


class MemoryState:
    """State in dictionaries; bounded so a long-running demo cannot grow without limit."""

    def __init__(
        self, *, dedup_ttl_seconds: int, max_lines: int, claim_seconds: float = CLAIM_SECONDS
    ) -> None:
        self.claim_seconds = claim_seconds
        self._dedup_ttl = dedup_ttl_seconds
        self._max_lines = max_lines
        self._events: OrderedDict[str, tuple[bool, float]] = OrderedDict()
        self._conversations: OrderedDict[tuple[str, str], _Conversation] = OrderedDict()
        self._assignments: dict[tuple[str, str], Assignment] = {}
        # One shelf per kind of value, each bounded on its own: anyone may start a sign-in, and
        # a flood of those must push out only older sign-ins, never sessions or tokens.
        self._ephemeral: dict[str, OrderedDict[str, tuple[str, float]]] = {}
        self._reporters: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()

    async def claim_event(self, key: str) -> Claim:
        self._forget_expired_events()
        held = self._events.get(key)
        if held is not None and held[1] > time.monotonic():
            return Claim.DONE if held[0] else Claim.IN_PROGRESS
        self._events[key] = (False, time.monotonic() + self.claim_seconds)
        return Claim.TAKEN

    async def renew_claim(self, key: str) -> bool:
        held = self._events.get(key)
        if held is None or held[0]:
            return False
        self._events[key] = (False, time.monotonic() + self.claim_seconds)
        return True

    async def complete_event(self, key: str) -> None:
        self._events[key] = (True, time.monotonic() + self._dedup_ttl)
        self._events.move_to_end(key)

    async def release_event(self, key: str) -> None:
        held = self._events.get(key)
        if held is not None and not held[0]:
            del self._events[key]

    async def append_line(self, tenant_id: str, conversation_id: str, line: Line) -> int:
        conversation = self._conversation(tenant_id, conversation_id)
        applied, conversation.applied = conversation.applied, max(conversation.applied, line.seq)
        if line.event_id not in conversation.by_event:
            conversation.lines.append(line)
            conversation.by_event.add(line.event_id)
            if len(conversation.by_event) > 2 * self._max_lines:
                conversation.by_event = {kept.event_id for kept in conversation.lines}
        return applied

    async def update_meta(
        self, tenant_id: str, conversation_id: str, changes: MetaChanges, position: int
    ) -> tuple[ConversationMeta, int]:
        conversation = self._conversation(tenant_id, conversation_id)
        applied, conversation.applied = conversation.applied, max(conversation.applied, position)
        update = changes.model_dump(exclude_none=True)
        conversation.meta = conversation.meta.model_copy(update=update)
        return conversation.meta, applied

    async def restore(
        self,
        tenant_id: str,
        conversation_id: str,
        meta: ConversationMeta,
        lines: list[Line],
        agents: set[str],
    ) -> None:
        conversation = self._conversation(tenant_id, conversation_id)
        conversation.meta = meta
        kept = sorted({line.seq: line for line in [*conversation.lines, *lines]}.items())
        conversation.lines.clear()
        conversation.lines.extend(line for _, line in kept)
        conversation.by_event = {line.event_id for line in conversation.lines}
        conversation.agents |= agents

    async def meta(self, tenant_id: str, conversation_id: str) -> ConversationMeta:
        conversation = self._conversations.get((tenant_id, conversation_id))
        return (
            conversation.meta if conversation else ConversationMeta(conversation_id=conversation_id)
        )

    async def recent_lines(self, tenant_id: str, conversation_id: str, limit: int) -> list[Line]:
        conversation = self._conversations.get((tenant_id, conversation_id))
        return list(conversation.lines)[-limit:] if conversation else []

    async def conversation(
        self, tenant_id: str, conversation_id: str, limit: int
    ) -> tuple[ConversationMeta, list[Line]]:
        return (
            await self.meta(tenant_id, conversation_id),
            await self.recent_lines(tenant_id, conversation_id, limit),
        )

    async def add_conversation_agent(
        self, tenant_id: str, conversation_id: str, agent_id: str
    ) -> None:
        self._conversation(tenant_id, conversation_id).agents.add(agent_id)

    async def conversation_agents(self, tenant_id: str, conversation_id: str) -> frozenset[str]:
        conversation = self._conversations.get((tenant_id, conversation_id))
        return frozenset(conversation.agents) if conversation else frozenset()

    async def assign(self, tenant_id: str, agent_id: str, assignment: Assignment) -> None:
        self._assignments[(tenant_id, agent_id)] = assignment

    async def assignment(self, tenant_id: str, agent_id: str) -> Assignment | None:
        return self._assignments.get((tenant_id, agent_id))

    async def bind_reporting_agent(
        self, tenant_id: str, conversation_id: str, agent_id: str
    ) -> str:
        key = (tenant_id, conversation_id)
        bound = await self.reporting_agent(tenant_id, conversation_id)
        if bound is not None and bound != agent_id:
            return bound
        self._reporters.pop(key, None)
        self._reporters[key] = (agent_id, time.monotonic() + REPORTER_SECONDS)
        while len(self._reporters) > MAX_CONVERSATIONS:
            self._reporters.popitem(last=False)
        return agent_id

    async def reporting_agent(self, tenant_id: str, conversation_id: str) -> str | None:
        held = self._reporters.get((tenant_id, conversation_id))
        if held is None or held[1] <= time.monotonic():
            return None
        return held[0]

    async def put_ephemeral(self, key: str, value: str, ttl_seconds: int) -> None:
        shelf = self._ephemeral.setdefault(_kind(key), OrderedDict())
        shelf.pop(key, None)
        shelf[key] = (value, time.monotonic() + ttl_seconds)
        while len(shelf) > MAX_EPHEMERAL:
            shelf.popitem(last=False)

    async def get_ephemeral(self, key: str) -> str | None:
        shelf = self._ephemeral.get(_kind(key))
        held = shelf.get(key) if shelf is not None else None
        if held is None or held[1] <= time.monotonic():
            return None
        return held[0]

    async def take_ephemeral(self, key: str) -> str | None:
        value = await self.get_ephemeral(key)
        shelf = self._ephemeral.get(_kind(key))
        if shelf is not None:
            shelf.pop(key, None)
        return value

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        self._events.clear()
        self._conversations.clear()
        self._ephemeral.clear()
        self._reporters.clear()

    def _conversation(self, tenant_id: str, conversation_id: str) -> _Conversation:
        key = (tenant_id, conversation_id)
        conversation = self._conversations.get(key)
        if conversation is None:
            conversation = _Conversation(
                meta=ConversationMeta(conversation_id=conversation_id),
                lines=deque(maxlen=self._max_lines),
            )
            self._conversations[key] = conversation
            if len(self._conversations) > MAX_CONVERSATIONS:
                self._conversations.popitem(last=False)
        self._conversations.move_to_end(key)
        return conversation

    def _forget_expired_events(self) -> None:
        # Completions move to the end with the longest expiry, so expired entries collect
        # at the front and pruning stops at the first live one.
        now = time.monotonic()
        while self._events:
            _, (_, expires) = next(iter(self._events.items()))
            if expires > now:
                break
            self._events.popitem(last=False)


def _kind(key: str) -> str:
    """What kind of short-lived value ``key`` names: its prefix (``login`` of ``login:…``)."""
    return key.partition(":")[0]
