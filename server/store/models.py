"""Pydantic records that cross the storage boundary."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from providers.base import HoldSpan, WrapUp
from providers.models import MediaType, TenantId, Timestamp

ConversationStatus = Literal["open", "held", "ended"]
FeedbackAction = Literal["used", "dismissed"]


class Record(BaseModel):
    """Base of stored records: immutable snapshots of a row."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class Tenant(Record):
    """A customer organisation; every other record belongs to exactly one."""

    id: TenantId
    name: str
    allowed_origins: tuple[str, ...] = ()
    created_at: datetime
    dense_retrieval: bool = True


class ApiKey(Record):
    """A tenant's API key as stored: only a lookup prefix and a hash, never the key."""

    id: str
    tenant_id: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None


class KnowledgeBase(Record):
    """A named collection of documents owned by one tenant."""

    id: str
    tenant_id: str
    name: str
    is_default: bool = False
    created_at: datetime


class DocumentIn(BaseModel):
    """A document as supplied by an import or the API; idempotent by ``external_id``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    external_id: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=2_000_000)]
    url: AnyHttpUrl | None = None
    tags: tuple[str, ...] = ()
    updated_at: Timestamp | None = None


class Document(Record):
    """A stored knowledge-base document."""

    id: str
    kb_id: str
    tenant_id: str
    external_id: str
    title: str
    body: str
    url: str | None = None
    tags: tuple[str, ...] = ()
    updated_at: datetime


class ConversationRecord(Record):
    """The durable summary of a conversation (the live transcript lives in state)."""

    tenant_id: str
    conversation_id: str
    provider: str
    queue: str | None = None
    media: MediaType | None = None
    agent_id: str | None = None
    status: ConversationStatus = "open"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    updated_at: datetime


class Feedback(Record):
    """An agent's verdict on one suggestion."""

    tenant_id: str
    conversation_id: str
    suggestion_id: str
    agent_id: str
    action: FeedbackAction
    created_at: datetime = Field(description="When the agent gave it.")


class QueueMapping(Record):
    """Which knowledge base, system prompt and LLM serve one (provider, queue) of a tenant.

    ``"*"`` as provider or queue matches any; ``None`` fields fall back to the tenant's
    defaults.
    """

    id: str
    tenant_id: str
    provider: str
    queue: str
    kb_id: str | None = None
    system_prompt: str | None = None
    llm_integration_id: str | None = None
    created_at: datetime
    updated_at: datetime


class LlmIntegration(Record):
    """An OpenAI-compatible endpoint a tenant's answers may use; the key itself stays sealed."""

    id: str
    tenant_id: str
    name: str
    base_url: str
    model: str
    api_key_last4: str | None = None
    has_api_key: bool = False
    created_at: datetime
    updated_at: datetime


class Integration(Record):
    """A tenant's connection to a platform; its secret settings stay sealed."""

    id: str
    tenant_id: str
    provider: str
    name: str
    enabled: bool
    settings: dict[str, Any]
    secret_hints: dict[str, str]
    created_at: datetime
    updated_at: datetime


class AgentIdentityProvider(Record):
    """A tenant's own OpenID provider for agent sign-in; the client secret stays sealed."""

    tenant_id: str
    display_name: str
    issuer: str
    client_id: str
    client_secret_last4: str
    agent_id_claim: str
    allowed_email_domains: tuple[str, ...]
    enabled: bool
    created_at: datetime
    updated_at: datetime


AdminRole = Literal["platform", "tenant"]


class Admin(Record):
    """A person who configures cuecard: every tenant (``platform``) or one (``tenant``)."""

    id: str
    email: str
    role: AdminRole
    tenant_id: str | None = None
    created_at: datetime
    last_login_at: datetime | None = None
    oidc_issuer: str | None = None
    oidc_subject: str | None = None


class AdminSession(Record):
    """A signed-in admin's session as stored: the id itself is only known to the browser."""

    admin_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class Reveal(Record):
    """An admin revealed the customer text of one event-inspector record (the audit trail)."""

    id: str
    tenant_id: str
    record_id: str
    revealed_by: str
    revealed_at: datetime
    kind: str | None = None
    conversation_id: str | None = None
    provider: str | None = None
    provider_event_id: str | None = None


LiveEntryKind = Literal["line", "suggestions", "status"]


class LiveEntryIn(BaseModel):
    """One widget event of a live conversation, before the store gives it its position."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    conversation_id: str
    kind: LiveEntryKind
    # With ``tenant_id`` and ``kind``, the de-duplication key of the event it came from.
    provider: str
    event_id: str
    agent_id: str | None = None
    # The entry's content as JSON text (server/journal reads and writes it).
    body: str


class LiveEntry(LiveEntryIn):
    """A stored entry: ``position`` orders a conversation's entries and never repeats."""

    position: int


class WrittenEntry(BaseModel):
    """What writing an entry found: the stored entry, and whether this write stored it."""

    model_config = ConfigDict(frozen=True)

    entry: LiveEntry
    # False: the event's entry was stored before (this delivery is a duplicate).
    fresh: bool


class EntityType(Record):
    """A tenant's own kind of detail: a name, a regular expression and how sure a match is."""

    id: str
    tenant_id: str
    name: str
    pattern: str
    confidence: float
    created_at: datetime


class WriteBackStatus(StrEnum):
    """Where a conversation's write-back stands."""

    # The conversation runs: notes and holds are collected.
    OPEN = "open"
    # To be written (again) from ``next_attempt_at``.
    DUE = "due"
    WRITTEN = "written"
    # Waits until the integration changes (refused credentials, wrong settings, none enabled).
    HELD = "held"
    # The platform rejected the record; shown to the admin, retried when the integration changes.
    FAILED = "failed"


class HoldMark(BaseModel):
    """One hold or resume event of a conversation, by its event id."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["held", "resumed"]
    at: AwareDatetime


class WriteBack(Record):
    """One conversation's row in the write-back outbox."""

    tenant_id: str
    platform: str
    conversation_id: str
    agent_id: str | None = None
    media: MediaType | None = None
    notes: str = ""
    holds: list[HoldMark] = []
    status: WriteBackStatus = WriteBackStatus.OPEN
    ended_at: datetime | None = None
    version: int = 0
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    record_id: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def fresh(
        cls, tenant_id: str, platform: str, conversation_id: str, *, now: datetime
    ) -> WriteBack:
        """The row a conversation's first event opens."""
        return cls(
            tenant_id=tenant_id,
            platform=platform,
            conversation_id=conversation_id,
            created_at=now,
            updated_at=now,
        )

    def wrap_up(self) -> WrapUp:
        """What the platform is given: the notes and the hold spans, up to the end."""
        ended_at = self.ended_at or self.updated_at
        return WrapUp(
            conversation_id=self.conversation_id,
            agent_id=self.agent_id,
            media=self.media,
            notes=self.notes,
            holds=hold_spans(self.holds, ended_at),
            ended_at=ended_at,
        )


def hold_spans(marks: list[HoldMark], ended_at: datetime) -> tuple[HoldSpan, ...]:
    """Holds from hold to resume in time order; a hold never resumed lasts until the end."""
    spans: list[HoldSpan] = []
    held_since: datetime | None = None
    for mark in sorted(marks, key=lambda mark: mark.at):
        if mark.kind == "held" and held_since is None:
            held_since = mark.at
        elif mark.kind == "resumed" and held_since is not None:
            spans.append(HoldSpan(started_at=held_since, ended_at=mark.at))
            held_since = None
    if held_since is not None:
        spans.append(HoldSpan(started_at=held_since, ended_at=max(held_since, ended_at)))
    return tuple(spans)
