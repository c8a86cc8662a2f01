"""The durable record of live conversations: positions, entries and their de-duplication keys.

Revision ID: 0009
Revises: 0008
Created: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create live_conversations (the position counters) and live_entries."""
    op.create_table(
        "live_conversations",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "conversation_id", name="pk_live_conversations"),
    )
    op.create_index("ix_live_conversations_updated_at", "live_conversations", ["updated_at"])
    op.create_table(
        "live_entries",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("agent_id", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "conversation_id", "position", name="pk_live_entries"),
        sa.UniqueConstraint(
            "tenant_id",
            "provider",
            "event_id",
            "kind",
            name="uq_live_entries_tenant_id_provider_event_id_kind",
        ),
    )


def downgrade() -> None:
    """Drop the live record."""
    op.drop_table("live_entries")
    op.drop_index("ix_live_conversations_updated_at", table_name="live_conversations")
    op.drop_table("live_conversations")
