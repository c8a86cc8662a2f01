"""What follows the card set: the step card of the top article, and the customer's details.

Both live in the shared live state (memory, or Redis with several nodes) under the
conversation, so the node that takes an agent's tick and the node that ingests the agent's
next line see the same checklist. Entity values are customer data: they are kept there with
the transcript, sent to the conversation's widgets, and never logged.

Example::

    followup = FollowUp(state=state, assistant=assistant, broadcaster=broadcaster,
                        rules=StoredEntityRules(store))
    await followup.cards_shown(request, cards)       # a new set: maybe a new step card
    await followup.agent_said(tenant_id, conversation_id, "Choose Cancel items.")
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import TypeAdapter

from providers.models import Speaker
from server.assist.analysis import terms
from server.assist.base import Assistant, AssistRequest
from server.assist.entities import BUILT_IN, DEFAULT_THRESHOLD, Entity, Recogniser, extract
from server.assist.models import CardSet
from server.assist.steps import StepCard
from server.conversation import Line
from server.errors import InvalidInput

log = logging.getLogger(__name__)

# How long a conversation's step card and details are kept after their last change.
TTL_SECONDS = 24 * 3600
# Details kept per conversation; a conversation rarely has more.
MAX_ENTITIES = 50
_ENTITIES = TypeAdapter(list[Entity])


class LiveState(Protocol):
    """The short-lived values of the shared live state (``server.state``) the follow-up keeps."""

    async def put_ephemeral(self, key: str, value: str, ttl_seconds: int) -> None: ...

    async def get_ephemeral(self, key: str) -> str | None: ...


class EntityRules(Protocol):
    """A tenant's own entity types and the confidence an entity needs to be shown."""

    async def rules(self, tenant_id: str) -> tuple[Sequence[Recogniser], float]:
        """(The tenant's recognisers, its threshold)."""


class BuiltInRules:
    """Only the built-in recognisers, at the default threshold."""

    async def rules(self, tenant_id: str) -> tuple[Sequence[Recogniser], float]:
        return BUILT_IN, DEFAULT_THRESHOLD


class FollowUpBroadcaster(Protocol):
    """Where step cards and details go (``server.realtime.rooms.Broadcaster``)."""

    async def steps(
        self, tenant_id: str, conversation_id: str, payload: dict[str, Any]
    ) -> None: ...

    async def entities(
        self, tenant_id: str, conversation_id: str, payload: dict[str, Any]
    ) -> None: ...


def _key(kind: str, tenant_id: str, conversation_id: str) -> str:
    return f"followup:{kind}:{tenant_id}:{conversation_id}"


class FollowUp:
    """Step cards and details of live conversations."""

    def __init__(
        self,
        *,
        state: LiveState,
        assistant: Assistant,
        broadcaster: FollowUpBroadcaster,
        rules: EntityRules | None = None,
    ) -> None:
        self._state = state
        self._assistant = assistant
        self._broadcaster = broadcaster
        self._rules = rules if rules is not None else BuiltInRules()

    async def cards_shown(self, request: AssistRequest, cards: CardSet) -> None:
        """A new card set: its top article's procedure becomes the step card, progress kept
        while the same article stays on top."""
        if not cards.items:
            return
        top = cards.items[0].source.document_id

        def words() -> list[str]:
            customer = (line.text for line in request.lines if line.speaker is Speaker.CUSTOMER)
            return terms(" ".join(customer))

        kb_id = request.route.kb_id
        procedure = self._assistant.procedure(request.tenant_id, kb_id, top, words)
        if procedure is None:
            return  # nothing to show: whatever card is on screen stays, unread
        current = await self.step_card(request.tenant_id, request.conversation_id)
        if current is not None and current.document_id == top:
            return
        if current is not None and current.started and current.topic_id == cards.topic_id:
            return  # the agent is working through a procedure for this topic: keep it
        card = StepCard.start(top, cards.items[0].title, procedure, cards.topic_id)
        await self._save_steps(request.tenant_id, request.conversation_id, card)

    async def agent_said(self, tenant_id: str, conversation_id: str, text: str) -> None:
        """The agent's line: the step it says is done."""
        card = await self.step_card(tenant_id, conversation_id)
        if card is None:
            return
        advanced = card.said(text)
        if advanced != card:
            await self._save_steps(tenant_id, conversation_id, advanced)

    async def tick(
        self, tenant_id: str, conversation_id: str, document_id: str, step: int, done: bool
    ) -> StepCard:
        """The agent ticked (or unticked) a step in the widget."""
        card = await self.step_card(tenant_id, conversation_id)
        if card is None or card.document_id != document_id:
            raise InvalidInput("that step card is not on screen any more", field="document_id")
        if not 0 <= step < len(card.steps):
            raise InvalidInput(f"step must be 0 to {len(card.steps) - 1}", field="step")
        ticked = card.tick(step, done)
        await self._save_steps(tenant_id, conversation_id, ticked)
        return ticked

    async def customer_said(self, request: AssistRequest) -> None:
        """Details in the customer's latest line join the conversation's details panel."""
        lines = request.lines
        if not lines or lines[-1].speaker is not Speaker.CUSTOMER:
            return
        recognisers, threshold = await self._rules.rules(request.tenant_id)
        products = self._assistant.product_names(request.tenant_id, request.route.kb_id)
        found = extract(
            lines[-1].text, recognisers, context=_agent_before(lines), products=products
        )
        confident = [entity for entity in found if entity.confidence >= threshold]
        if not confident:
            return
        known = await self.entities(request.tenant_id, request.conversation_id)
        merged = _merge(known, confident)
        if merged != known:
            key = _key("entities", request.tenant_id, request.conversation_id)
            await self._state.put_ephemeral(key, _ENTITIES.dump_json(merged).decode(), TTL_SECONDS)
            payload = entities_payload(request.conversation_id, merged)
            await self._broadcaster.entities(request.tenant_id, request.conversation_id, payload)
            log.debug("conversation %s: %d details", request.conversation_id, len(merged))

    async def step_card(self, tenant_id: str, conversation_id: str) -> StepCard | None:
        """The conversation's step card, if it has one."""
        raw = await self._state.get_ephemeral(_key("steps", tenant_id, conversation_id))
        return StepCard.model_validate_json(raw) if raw else None

    async def entities(self, tenant_id: str, conversation_id: str) -> list[Entity]:
        """The conversation's details so far, in the order they were given."""
        raw = await self._state.get_ephemeral(_key("entities", tenant_id, conversation_id))
        return _ENTITIES.validate_json(raw) if raw else []

    async def replay(
        self, tenant_id: str, conversation_id: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """The ``steps`` and ``entities`` events a widget joining late should receive."""
        events: list[tuple[str, dict[str, Any]]] = []
        card = await self.step_card(tenant_id, conversation_id)
        if card is not None:
            events.append(("steps", card.payload(conversation_id)))
        known = await self.entities(tenant_id, conversation_id)
        if known:
            events.append(("entities", entities_payload(conversation_id, known)))
        return events

    async def _save_steps(self, tenant_id: str, conversation_id: str, card: StepCard) -> None:
        key = _key("steps", tenant_id, conversation_id)
        await self._state.put_ephemeral(key, card.model_dump_json(), TTL_SECONDS)
        await self._broadcaster.steps(tenant_id, conversation_id, card.payload(conversation_id))


def entities_payload(conversation_id: str, entities: Sequence[Entity]) -> dict[str, Any]:
    """The ``entities`` event: every detail of the conversation (docs/socketio.md)."""
    items = [
        {"type": e.type, "value": e.value, "confidence": round(e.confidence, 2)} for e in entities
    ]
    return {"conversation_id": conversation_id, "items": items}


def _merge(known: list[Entity], new: list[Entity]) -> list[Entity]:
    seen = {(e.type, _normal(e.value)) for e in known}
    merged = list(known)
    for entity in new:
        if (entity.type, _normal(entity.value)) not in seen:
            seen.add((entity.type, _normal(entity.value)))
            merged.append(entity)
    return merged[-MAX_ENTITIES:]


def _normal(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


def _agent_before(lines: Sequence[Line]) -> str:
    """The agent's last line before the customer's latest one (it often asks for the detail)."""
    for line in reversed(lines[:-1]):
        if line.speaker is Speaker.AGENT:
            return line.text
    return ""
