"""Entity types: tenant-defined detail patterns and the confidence threshold of the details panel.

Revision ID: 0008
Revises: 0007
Created: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def _tenant(table: str) -> sa.Column[str]:
    return sa.Column(
        "tenant_id",
        sa.String(63),
        sa.ForeignKey("tenants.id", name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    """Create entity_types and entity_settings."""
    op.create_table(
        "entity_types",
        sa.Column("id", sa.String(32), nullable=False),
        _tenant("entity_types"),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("pattern", sa.String(300), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entity_types"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_entity_types_tenant_id_name"),
    )
    op.create_table(
        "entity_settings",
        _tenant("entity_settings"),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_entity_settings"),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("entity_settings")
    op.drop_table("entity_types")
