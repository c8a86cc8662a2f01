"""Admin accounts and their server-side sessions.

Revision ID: 0004
Revises: 0003
Created: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Revisions are snapshots: they spell the types out instead of importing today's schema.
Timestamp = sa.DateTime(timezone=True)


def _create_admins() -> None:
    op.create_table(
        "admins",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column(
            "tenant_id",
            sa.String(63),
            sa.ForeignKey("tenants.id", name="fk_admins_tenant_id_tenants", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("last_login_at", Timestamp, nullable=True),
        sa.Column("oidc_issuer", sa.String(500), nullable=True),
        sa.Column("oidc_subject", sa.String(255), nullable=True),
        sa.CheckConstraint(
            "(role = 'platform' AND tenant_id IS NULL) "
            "OR (role = 'tenant' AND tenant_id IS NOT NULL)",
            name="ck_admins_role_tenant",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_admins"),
        sa.UniqueConstraint("email", name="uq_admins_email"),
        sa.UniqueConstraint(
            "oidc_issuer", "oidc_subject", name="uq_admins_oidc_issuer_oidc_subject"
        ),
    )


def _create_sessions() -> None:
    op.create_table(
        "admin_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "admin_id",
            sa.String(32),
            sa.ForeignKey(
                "admins.id", name="fk_admin_sessions_admin_id_admins", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("last_seen_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_admin_sessions"),
    )
    op.create_index("ix_admin_sessions_admin_id", "admin_sessions", ["admin_id"])


def upgrade() -> None:
    """Create the admin tables."""
    _create_admins()
    _create_sessions()


def downgrade() -> None:
    """Drop them, sessions first."""
    op.drop_table("admin_sessions")
    op.drop_table("admins")
