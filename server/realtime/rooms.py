"""Room names and the write side of the realtime endpoint used by the pipeline."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from providers.models import ConversationAlert, ExternalSuggestions, Transcript
from server.answers.models import Citation, ExtractiveAnswer
from server.conversation import Line, Suggestion
from server.handoff.models import Handoff
from server.integrations.models import IntegrationStatus
from server.state.models import Assignment, ConversationMeta

NAMESPACE = "/agent"


def conversation_room(tenant_id: str, conversation_id: str) -> str:
    """Widgets showing one conversation of one tenant."""
    return f"conv:{tenant_id}:{conversation_id}"


def parse_conversation_room(room: str) -> tuple[str, str] | None:
    """The (tenant, conversation) of a conversation room's name; None for other rooms."""
    kind, _, rest = room.partition(":")
    # Tenant ids are slugs without colons; conversation ids may hold them.
    tenant_id, _, conversation_id = rest.partition(":")
    if kind != "conv" or not tenant_id or not conversation_id:
        return None
    return tenant_id, conversation_id


def agent_room(tenant_id: str, agent_id: str) -> str:
    """Every widget of one agent of one tenant."""
    return f"agent:{tenant_id}:{agent_id}"


def tenant_room(tenant_id: str) -> str:
    """Every widget of one tenant."""
    return f"tenant:{tenant_id}"


def integration_status_payload(status: IntegrationStatus) -> dict[str, Any]:
    """The ``integration.status`` event: which connection, its state, and why."""
    return {
        "provider": status.provider,
        "integration_id": status.integration_id,
        "state": status.state.value,
        "message": status.last_error,
    }


def transcript_payload(conversation_id: str, line: Line) -> dict[str, Any]:
    """The ``transcript`` event: a line, at its position (the line's ``seq``)."""
    return {
        "conversation_id": conversation_id,
        "position": line.seq,
        "line": line.model_dump(mode="json"),
    }


def suggestions_payload(
    conversation_id: str,
    trigger_event_id: str,
    items: list[Suggestion],
    reason: str | None,
    position: int,
) -> dict[str, Any]:
    """The ``suggestions`` event: one card set (``reason`` says why it is empty), at its
    position."""
    return {
        "conversation_id": conversation_id,
        "position": position,
        "trigger_event_id": trigger_event_id,
        "items": [item.model_dump(mode="json") for item in items],
        "reason": reason,
    }


def status_payload(meta: ConversationMeta, position: int) -> dict[str, Any]:
    """The ``status`` event: the conversation's status after the change at ``position``."""
    fields = meta.model_dump(
        mode="json", include={"conversation_id", "status", "queue", "agent_id"}
    )
    return {**fields, "position": position}


class SocketEmitter(Protocol):
    """The one method of python-socketio's AsyncServer the broadcaster needs."""

    async def emit(
        self, event: str, data: Any = None, *, to: str | None = None, namespace: str | None = None
    ) -> None: ...


class Broadcaster:
    """Pushes pipeline results to rooms; with Redis the manager fans out to every node."""

    def __init__(self, sio: SocketEmitter) -> None:
        self._sio = sio

    async def transcript(self, tenant_id: str, conversation_id: str, line: Line) -> None:
        """A new transcript line."""
        payload = transcript_payload(conversation_id, line)
        await self._emit("transcript", payload, conversation_room(tenant_id, conversation_id))
        # Let the sockets' writers (woken by the emit) send the line before the caller goes on
        # to retrieval, which holds the event loop: the relay never waits for suggestions.
        await asyncio.sleep(0)

    async def suggestions(
        self, tenant_id: str, conversation_id: str, card_set: dict[str, Any], position: int
    ) -> None:
        """The card set for the current topic, best first, as a ``SuggestionSet`` dumped in
        JSON mode (its ``reason`` says why it is empty)."""
        payload = {"conversation_id": conversation_id, "position": position, **card_set}
        await self._emit("suggestions", payload, conversation_room(tenant_id, conversation_id))

    async def partial(self, event: Transcript) -> None:
        """Words still being recognised: shown live, replaced by the final line, never kept."""
        payload = {
            "conversation_id": event.conversation_id,
            "event_id": event.provider_event_id,
            "speaker": event.speaker.value,
            "text": event.text,
        }
        room = conversation_room(event.tenant_id, event.conversation_id)
        await self._emit("transcript.partial", payload, room)

    async def external_suggestions(self, event: ExternalSuggestions) -> None:
        """Cards the platform's own assistant suggested, marked with where they come from."""
        payload = {
            "conversation_id": event.conversation_id,
            "event_id": event.provider_event_id,
            "source": event.source,
            "items": [item.model_dump(mode="json") for item in event.items],
        }
        room = conversation_room(event.tenant_id, event.conversation_id)
        await self._emit("suggestions.external", payload, room)

    async def alert(self, event: ConversationAlert) -> None:
        """The platform flags the conversation (a person should step in, or it failed)."""
        payload = {
            "conversation_id": event.conversation_id,
            "alert": event.alert.value,
            "detail": event.detail,
        }
        await self._emit(
            "alert", payload, conversation_room(event.tenant_id, event.conversation_id)
        )

    async def handoff(self, tenant_id: str, conversation_id: str, handoff: Handoff) -> None:
        """What an IVR or a bot learnt before the handoff (the widget's context card)."""
        payload = {"conversation_id": conversation_id, **handoff.model_dump(mode="json")}
        await self._emit("handoff", payload, conversation_room(tenant_id, conversation_id))

    async def steps(self, tenant_id: str, conversation_id: str, payload: dict[str, Any]) -> None:
        """The conversation's step card changed (a new procedure, or a step done)."""
        await self._emit("steps", payload, conversation_room(tenant_id, conversation_id))

    async def entities(self, tenant_id: str, conversation_id: str, payload: dict[str, Any]) -> None:
        """The conversation's details changed: every detail so far."""
        await self._emit("entities", payload, conversation_room(tenant_id, conversation_id))

    async def status(self, tenant_id: str, meta: ConversationMeta, position: int) -> None:
        """The conversation's status changed."""
        payload = status_payload(meta, position)
        await self._emit("status", payload, conversation_room(tenant_id, meta.conversation_id))

    async def assigned(self, tenant_id: str, agent_id: str, assignment: Assignment) -> None:
        """The agent was connected to a conversation."""
        await self._emit("assigned", assignment.model_dump(), agent_room(tenant_id, agent_id))

    async def answer(self, tenant_id: str, conversation_id: str, answer: ExtractiveAnswer) -> None:
        """The extractive answer to a customer turn; deltas follow when ``pending``."""
        payload = {"conversation_id": conversation_id, **answer.model_dump(mode="json")}
        await self._emit("answer", payload, conversation_room(tenant_id, conversation_id))

    async def answer_delta(
        self, tenant_id: str, conversation_id: str, answer_id: str, index: int, text: str
    ) -> None:
        """The next chunk of a generated answer's text; ``index`` counts from 0."""
        payload = {
            "conversation_id": conversation_id,
            "answer_id": answer_id,
            "index": index,
            "text": text,
        }
        await self._emit("answer.delta", payload, conversation_room(tenant_id, conversation_id))

    async def answer_done(
        self,
        tenant_id: str,
        conversation_id: str,
        answer_id: str,
        text: str,
        citations: list[Citation],
    ) -> None:
        """The generated answer is complete and cites only passages it was given."""
        payload = {
            "conversation_id": conversation_id,
            "answer_id": answer_id,
            "text": text,
            "citations": [citation.model_dump(mode="json") for citation in citations],
        }
        await self._emit("answer.done", payload, conversation_room(tenant_id, conversation_id))

    async def answer_dropped(
        self, tenant_id: str, conversation_id: str, answer_id: str, reason: str
    ) -> None:
        """The generated answer is withdrawn; the extractive answer stands."""
        payload = {"conversation_id": conversation_id, "answer_id": answer_id, "reason": reason}
        await self._emit("answer.dropped", payload, conversation_room(tenant_id, conversation_id))

    async def integration_status(self, tenant_id: str, status: IntegrationStatus) -> None:
        """A platform connection of the tenant changed state (connected, reconnecting...)."""
        payload = integration_status_payload(status)
        await self._emit("integration.status", payload, tenant_room(tenant_id))

    async def _emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        await self._sio.emit(event, payload, to=room, namespace=NAMESPACE)
