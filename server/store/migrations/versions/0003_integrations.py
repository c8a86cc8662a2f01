"""Provider integrations: a tenant's platform connections, credentials sealed.

Revision ID: 0003
Revises: 0002
Created: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column(
            "tenant_id",
            sa.String(63),
            sa.ForeignKey(
                "tenants.id", name="fk_integrations_tenant_id_tenants", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secrets_encrypted", sa.Text(), nullable=True),
        sa.Column("secret_hints", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_integrations"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_integrations_tenant_id_name"),
    )


def downgrade() -> None:
    op.drop_table("integrations")
