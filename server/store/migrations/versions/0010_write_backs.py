"""Conversation write-backs: the durable outbox of what is written to a platform's records
when a conversation ends (notes, holds), and where each write stands.

Revision ID: 0010
Revises: 0009
Created: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create write_backs, indexed for the writer's scan of due rows."""
    op.create_table(
        "write_backs",
        sa.Column(
            "tenant_id",
            sa.String(63),
            sa.ForeignKey(
                "tenants.id", name="fk_write_backs_tenant_id_tenants", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("platform", sa.String(200), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("agent_id", sa.String(200), nullable=True),
        sa.Column("media", sa.String(16), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("holds", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ended_at", Timestamp, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=True),
        sa.Column("lease_until", Timestamp, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("record_id", sa.String(200), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "platform", "conversation_id", name="pk_write_backs"),
    )
    op.create_index(
        "ix_write_backs_status_next_attempt_at", "write_backs", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    """Drop the outbox (unwritten wrap-ups are lost)."""
    op.drop_index("ix_write_backs_status_next_attempt_at", table_name="write_backs")
    op.drop_table("write_backs")
