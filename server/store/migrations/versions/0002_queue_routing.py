"""Queue routing: queue mappings, LLM integrations, and the tenants' dense-retrieval switch.

Revision ID: 0002
Revises: 0001
Created: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def _tenant_fk(table: str) -> sa.Column[str]:
    return sa.Column(
        "tenant_id",
        sa.String(63),
        sa.ForeignKey("tenants.id", name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"),
        nullable=False,
    )


def _create_llm_integrations() -> None:
    op.create_table(
        "llm_integrations",
        sa.Column("id", sa.String(32), nullable=False),
        _tenant_fk("llm_integrations"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("base_url", sa.String(2048), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("api_key_encrypted", sa.Text(), nullable=True),
        sa.Column("api_key_last4", sa.String(4), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_llm_integrations"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_llm_integrations_tenant_id_name"),
    )


def _create_queue_mappings() -> None:
    op.create_table(
        "queue_mappings",
        sa.Column("id", sa.String(32), nullable=False),
        _tenant_fk("queue_mappings"),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("kb_id", sa.String(32), nullable=True),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        sa.Column("llm_integration_id", sa.String(32), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queue_mappings"),
        sa.ForeignKeyConstraint(
            ["kb_id"], ["knowledge_bases.id"], name="fk_queue_mappings_kb_id_knowledge_bases"
        ),
        sa.ForeignKeyConstraint(
            ["llm_integration_id"],
            ["llm_integrations.id"],
            name="fk_queue_mappings_llm_integration_id_llm_integrations",
        ),
        sa.UniqueConstraint(
            "tenant_id", "provider", "queue", name="uq_queue_mappings_tenant_id_provider_queue"
        ),
    )


def upgrade() -> None:
    """Add the routing tables and the tenants' dense_retrieval column (on by default)."""
    op.add_column(
        "tenants",
        sa.Column("dense_retrieval", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    _create_llm_integrations()
    _create_queue_mappings()


def downgrade() -> None:
    """Drop the routing tables and the column."""
    op.drop_table("queue_mappings")
    op.drop_table("llm_integrations")
    # SQLite 3.35+ drops a column in place; the batch mode's copy-and-rename of a table that
    # others reference would cascade-delete their rows.
    op.drop_column("tenants", "dense_retrieval")
