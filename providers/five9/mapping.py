"""The messages the widget's Five9 module forwards, and pure functions to canonical events.

The module subscribes to the CRM SDK's ``interactionApi`` (protocols.md 4.1) and forwards each
lifecycle callback with the agent and Five9 tenant from ``getMetadata()`` and, when the
interaction is offered or taken, its call-attached variables from ``getCav()``::

    {"type": "interaction", "reason": "callStarted",
     "metadata": {"agentId": 138, "tenantId": 131},
     "callData": {"interactionId": "45E471D607A94072A553A1406CC0BF03",
                  "skillName": "Broadband Support", "callType": "INBOUND"},
     "cavs": [{"id": "641", "name": "IVR.intent", "value": "router keeps dropping"}]}

Before anything else it forwards ``{"type": "metadata", "metadata": {...}}`` so a desktop
signed in as another agent is refused at once. Conversation id = ``interactionId``; queue =
the skill; event ids come from the interaction (and the agent, or the context's fingerprint),
so a callback fired again after a page refresh maps to the same ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    model_validator,
)
from pydantic.alias_generators import to_camel

from providers.five9.const import DATA_FIELDS, ENDED, NO_SKILL, OFFERED, PROVIDER
from providers.handoff import HandoffNames, pick_handoff
from providers.models import (
    AgentAssigned,
    ConversationEnded,
    ConversationStarted,
    Event,
    HandoffContext,
    Identifier,
)


def _number_as_text(value: object) -> object:
    # getMetadata() documents agentId and tenantId as Numbers; cuecard compares strings.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Five9Ref = Annotated[
    str,
    BeforeValidator(_number_as_text),
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.@-]{1,100}$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Scalar = str | int | float | bool | None


class _SdkShape(BaseModel):
    """The SDK's camelCase objects; fields cuecard does not use are ignored."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True
    )


class Five9Metadata(_SdkShape):
    """``interactionApi.getMetadata()``: who the desktop is signed in as."""

    agent_id: Five9Ref
    tenant_id: Five9Ref


class InteractionData(_SdkShape):
    """The part of ``callData``/``chatData``/``emailData`` cuecard reads."""

    interaction_id: Identifier
    skill_name: Name | None = None
    campaign_name: Name | None = None


class CallVariable(_SdkShape):
    """One call-attached variable as ``getCav()`` lists it."""

    name: Name
    group: Name | None = None
    value: Scalar = None

    @property
    def full_name(self) -> str:
        """``Group.Name``, however the SDK split it."""
        if self.group and "." not in self.name:
            return f"{self.group}.{self.name}"
        return self.name


class InteractionMessage(_SdkShape):
    """One ``interactionApi`` lifecycle callback, with who and (on offer) the variables."""

    type: Literal["interaction"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    metadata: Five9Metadata
    call_data: InteractionData | None = None
    chat_data: InteractionData | None = None
    email_data: InteractionData | None = None
    cavs: tuple[CallVariable, ...] = Field(default=(), max_length=500)

    @model_validator(mode="after")
    def _has_its_data(self) -> InteractionMessage:
        field = DATA_FIELDS.get(_prefix(self.reason))
        if field is not None and getattr(self, field) is None:
            raise ValueError(f"{self.reason} needs {to_camel(field)}")
        return self

    @property
    def interaction(self) -> InteractionData | None:
        """The data of the interaction the callback is about (None for other callbacks)."""
        field = DATA_FIELDS.get(_prefix(self.reason))
        return None if field is None else getattr(self, field)


class MetadataMessage(_SdkShape):
    """The desktop's agent and tenant, sent once the SDK is connected."""

    type: Literal["metadata"]
    metadata: Five9Metadata


HostMessage = Annotated[InteractionMessage | MetadataMessage, Field(discriminator="type")]


class Five9HostMessage(RootModel[HostMessage]):
    """Any message the widget's Five9 module forwards (``bridge.event`` ``message``)."""


def to_events(
    message: InteractionMessage,
    *,
    tenant_id: str,
    agent_id: str,
    names: HandoffNames,
    now: datetime,
) -> list[Event]:
    """Canonical events for one lifecycle callback; other callbacks map to nothing."""
    data = message.interaction
    if data is None:
        return []
    base: dict[str, Any] = {
        "tenant_id": tenant_id,
        "provider": PROVIDER,
        "conversation_id": data.interaction_id,
        "occurred_at": now,
    }
    if message.reason in OFFERED:
        return _offered(message, data, base, agent_id, names)
    if message.reason in ENDED:
        return [ConversationEnded(**base, provider_event_id=f"{data.interaction_id}:ended")]
    return []


def _offered(
    message: InteractionMessage,
    data: InteractionData,
    base: dict[str, Any],
    agent_id: str,
    names: HandoffNames,
) -> list[Event]:
    queue = data.skill_name or data.campaign_name or NO_SKILL
    started = ConversationStarted(
        **base,
        provider_event_id=f"{data.interaction_id}:started",
        media=OFFERED[message.reason],
        queue=queue,
    )
    events: list[Event] = [started]
    facts = [(variable.full_name, variable.value) for variable in message.cavs]
    if (parts := pick_handoff(facts, names)) is not None:
        context = HandoffContext(
            **base,
            provider_event_id=f"{data.interaction_id}:context:{parts.digest()}",
            queue=queue,
            intent=parts.intent,
            summary=parts.summary,
            items=parts.items,
        )
        events.append(context)
    assigned_id = f"{data.interaction_id}:assigned:{agent_id}"
    assigned = AgentAssigned(**base, provider_event_id=assigned_id, agent_id=agent_id, queue=queue)
    events.append(assigned)
    return events


def _prefix(reason: str) -> str:
    return next((prefix for prefix in DATA_FIELDS if reason.startswith(prefix)), "")
