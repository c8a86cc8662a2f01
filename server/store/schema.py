"""The database schema as SQLAlchemy Core tables; migrations create it, repositories query it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so later migrations can refer to them on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def new_id() -> str:
    """A short random id for a new row."""
    return secrets.token_hex(8)


def utcnow() -> datetime:
    """The current time, aware and in UTC, as every stored timestamp is."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC and always read back aware, even from SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes: their meaning depends on the writer's clock."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("naive datetimes are not stored; attach a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """SQLite drops the offset; values were written in UTC, so reattach it."""
        if value is None:
            return None
        stored = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)


def _tenant_fk() -> Column[str]:
    return Column(
        "tenant_id", String(63), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("allowed_origins", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("dense_retrieval", Boolean, nullable=False, server_default=true()),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    _tenant_fk(),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_api_keys_tenant_id", "tenant_id"),
)

knowledge_bases = Table(
    "knowledge_bases",
    metadata,
    Column("id", String(32), primary_key=True),
    _tenant_fk(),
    Column("name", String(200), nullable=False),
    Column("is_default", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name"),
)
# At most one default knowledge base per tenant, enforced by the database too.
Index(
    "uq_knowledge_bases_default",
    knowledge_bases.c.tenant_id,
    unique=True,
    sqlite_where=knowledge_bases.c.is_default,
    postgresql_where=knowledge_bases.c.is_default,
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "kb_id", String(32), ForeignKey("knowledge_bases.id", ondelete="CASCADE"), nullable=False
    ),
    Column("tenant_id", String(63), nullable=False),
    Column("external_id", String(300), nullable=False),
    Column("title", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("url", String(2048), nullable=True),
    Column("tags", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("kb_id", "external_id"),
    Index("ix_documents_tenant_id_kb_id", "tenant_id", "kb_id"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("tenant_id", String(63), nullable=False),
    Column("conversation_id", String(200), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("queue", String(200), nullable=True),
    Column("media", String(16), nullable=True),
    Column("agent_id", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "conversation_id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant_id", String(63), nullable=False),
    Column("conversation_id", String(200), nullable=False),
    Column("suggestion_id", String(200), nullable=False),
    Column("agent_id", String(200), nullable=False),
    Column("action", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_feedback_tenant_id_conversation_id", "tenant_id", "conversation_id"),
)

llm_integrations = Table(
    "llm_integrations",
    metadata,
    Column("id", String(32), primary_key=True),
    _tenant_fk(),
    Column("name", String(200), nullable=False),
    Column("base_url", String(2048), nullable=False),
    Column("model", String(200), nullable=False),
    # Fernet ciphertext; the plaintext key is never stored. The last four characters are kept
    # apart so an admin can tell keys apart without anything being decrypted.
    Column("api_key_encrypted", Text, nullable=True),
    Column("api_key_last4", String(4), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name"),
)

# A tenant's platform connections. Non-secret settings are plain JSON; the provider settings'
# secret fields are sealed together as one Fernet token, with their last four characters kept
# apart as hints so an admin can tell credentials apart without anything being decrypted.
integrations = Table(
    "integrations",
    metadata,
    Column("id", String(32), primary_key=True),
    _tenant_fk(),
    Column("provider", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("secrets_encrypted", Text, nullable=True),
    Column("secret_hints", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name"),
)

# "*" in provider or queue is the wildcard row; ("*", "*") is the tenant's default route.
# The knowledge base and integration keys have no ON DELETE action: deleting one that a
# mapping still uses fails (a Conflict) instead of silently re-routing a queue.
queue_mappings = Table(
    "queue_mappings",
    metadata,
    Column("id", String(32), primary_key=True),
    _tenant_fk(),
    Column("provider", String(200), nullable=False),
    Column("queue", String(200), nullable=False),
    Column("kb_id", String(32), ForeignKey("knowledge_bases.id"), nullable=True),
    Column("system_prompt", Text, nullable=True),
    Column("llm_integration_id", String(32), ForeignKey("llm_integrations.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "provider", "queue"),
)

# A platform admin has no tenant; a tenant admin has exactly one.
admins = Table(
    "admins",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=True),
    Column("role", String(16), nullable=False),
    Column("tenant_id", String(63), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime, nullable=True),
    # Set the first time the admin signs in through single sign-on; later sign-ins must match.
    Column("oidc_issuer", String(500), nullable=True),
    Column("oidc_subject", String(255), nullable=True),
    CheckConstraint(
        "(role = 'platform' AND tenant_id IS NULL) OR (role = 'tenant' AND tenant_id IS NOT NULL)",
        name="role_tenant",
    ),
    UniqueConstraint("oidc_issuer", "oidc_subject"),
)

# Only a SHA-256 of the session id is stored: a database dump does not sign anyone in.
admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("admin_id", String(32), ForeignKey("admins.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_admin_sessions_admin_id", "admin_id"),
)

# The audit trail of event-inspector reveals: the record itself lives in a bounded ring
# (memory or Redis) and is gone within a day, so what was revealed is copied here.
event_reveals = Table(
    "event_reveals",
    metadata,
    Column("id", String(32), primary_key=True),
    _tenant_fk(),
    Column("record_id", String(32), nullable=False),
    Column("revealed_by", String(200), nullable=False),
    Column("revealed_at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=True),
    Column("conversation_id", String(200), nullable=True),
    Column("provider", String(200), nullable=True),
    Column("provider_event_id", String(200), nullable=True),
    Index("ix_event_reveals_tenant_id_revealed_at", "tenant_id", "revealed_at"),
)

# Each tenant's own identity provider, where agents of platforms without agent OAuth sign in
# (one per tenant). The client secret is sealed like an LLM key; its last four characters are
# kept apart so an admin can tell secrets apart without anything being decrypted.
agent_identity_providers = Table(
    "agent_identity_providers",
    metadata,
    Column(
        "tenant_id",
        String(63),
        ForeignKey("tenants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("display_name", String(60), nullable=False),
    Column("issuer", String(2048), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("client_secret_encrypted", Text, nullable=False),
    Column("client_secret_last4", String(4), nullable=False),
    Column("agent_id_claim", String(200), nullable=False),
    Column("allowed_email_domains", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The durable record of each live conversation (server/journal): what its widgets were shown.
# A conversation's row holds the newest position given out; positions are taken from it in
# the writing transaction, so they never repeat, whatever happens to the live state in Redis.
live_conversations = Table(
    "live_conversations",
    metadata,
    Column("tenant_id", String(63), nullable=False),
    Column("conversation_id", String(200), nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "conversation_id"),
    Index("ix_live_conversations_updated_at", "updated_at"),
)

# One row per widget event of a live conversation (a line, a suggestion set, a status change),
# at its position. (tenant, provider, event id, kind) is the event's de-duplication key: a
# delivery processed again after Redis forgot it finds its entry here.
live_entries = Table(
    "live_entries",
    metadata,
    Column("tenant_id", String(63), nullable=False),
    Column("conversation_id", String(200), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("event_id", String(200), nullable=False),
    # The agent an agent.assigned status entry connected: who may open the conversation.
    Column("agent_id", String(200), nullable=True),
    # The entry as JSON text, written and read by server/journal.
    Column("body", Text, nullable=False),
    PrimaryKeyConstraint("tenant_id", "conversation_id", "position"),
    UniqueConstraint("tenant_id", "provider", "event_id", "kind"),
)

# Where each pull adapter that reads a log by position (a stream's message id) stopped, per
# topic: a restarted adapter resumes just after it. Deleting the integration forgets them.
stream_positions = Table(
    "stream_positions",
    metadata,
    _tenant_fk(),
    Column(
        "integration_id",
        String(32),
        ForeignKey("integrations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("topic", String(500), nullable=False),
    Column("position", String(500), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "integration_id", "topic"),
)

# A tenant's own entity types for the agent's details panel: a name and a regular expression.
entity_types = Table(
    "entity_types",
    metadata,
    Column("id", String(32), primary_key=True),
    _tenant_fk(),
    Column("name", String(40), nullable=False),
    Column("pattern", String(300), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name"),
)

# The confidence a detail needs before the widget shows it, per tenant (default 0.8).
entity_settings = Table(
    "entity_settings",
    metadata,
    Column(
        "tenant_id",
        String(63),
        ForeignKey("tenants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("threshold", Float, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The durable outbox of conversation write-backs (one row per platform conversation): what
# cuecard keeps of a conversation to write back to the platform's records at its end (the
# agent's notes, the hold and resume events), and where the write stands. ``version`` counts
# changes; a write applied for an older version leaves the row due for the newer one.
write_backs = Table(
    "write_backs",
    metadata,
    _tenant_fk(),
    Column("platform", String(200), nullable=False),
    Column("conversation_id", String(200), nullable=False),
    Column("agent_id", String(200), nullable=True),
    Column("media", String(16), nullable=True),
    Column("notes", Text, nullable=False),
    Column("holds", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("record_id", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "platform", "conversation_id"),
    Index("ix_write_backs_status_next_attempt_at", "status", "next_attempt_at"),
)
