"""Agent identity providers: each tenant's own OpenID provider for agent sign-in, secret sealed.

Revision ID: 0006
Revises: 0005
Created: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create agent_identity_providers, one row per tenant."""
    op.create_table(
        "agent_identity_providers",
        sa.Column(
            "tenant_id",
            sa.String(63),
            sa.ForeignKey(
                "tenants.id",
                name="fk_agent_identity_providers_tenant_id_tenants",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("display_name", sa.String(60), nullable=False),
        sa.Column("issuer", sa.String(2048), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("client_secret_last4", sa.String(4), nullable=False),
        sa.Column("agent_id_claim", sa.String(200), nullable=False),
        sa.Column("allowed_email_domains", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_agent_identity_providers"),
    )


def downgrade() -> None:
    op.drop_table("agent_identity_providers")
