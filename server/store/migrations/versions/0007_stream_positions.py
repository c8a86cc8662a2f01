"""Stream positions: where each integration's stream reader stopped, per topic.

Revision ID: 0007
Revises: 0006
Created: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create stream_positions, one row per integration and topic."""
    op.create_table(
        "stream_positions",
        sa.Column(
            "tenant_id",
            sa.String(63),
            sa.ForeignKey(
                "tenants.id", name="fk_stream_positions_tenant_id_tenants", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "integration_id",
            sa.String(32),
            sa.ForeignKey(
                "integrations.id",
                name="fk_stream_positions_integration_id_integrations",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("topic", sa.String(500), nullable=False),
        sa.Column("position", sa.String(500), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "integration_id", "topic", name="pk_stream_positions"),
    )


def downgrade() -> None:
    """Forget every stored position."""
    op.drop_table("stream_positions")
