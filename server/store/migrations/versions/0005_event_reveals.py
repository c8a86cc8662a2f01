"""Event-inspector reveals: the audit trail of who saw which record's customer text.

Revision ID: 0005
Revises: 0004
Created: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create event_reveals, indexed for a tenant's newest-first listing."""
    op.create_table(
        "event_reveals",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column(
            "tenant_id",
            sa.String(63),
            sa.ForeignKey(
                "tenants.id", name="fk_event_reveals_tenant_id_tenants", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("record_id", sa.String(32), nullable=False),
        sa.Column("revealed_by", sa.String(200), nullable=False),
        sa.Column("revealed_at", Timestamp, nullable=False),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("conversation_id", sa.String(200), nullable=True),
        sa.Column("provider", sa.String(200), nullable=True),
        sa.Column("provider_event_id", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_event_reveals"),
    )
    op.create_index(
        "ix_event_reveals_tenant_id_revealed_at", "event_reveals", ["tenant_id", "revealed_at"]
    )


def downgrade() -> None:
    """Drop the audit trail."""
    op.drop_index("ix_event_reveals_tenant_id_revealed_at", table_name="event_reveals")
    op.drop_table("event_reveals")
