"""Admin accounts and their sessions.

Passwords arrive here already hashed (see :mod:`server.auth.passwords`); session ids arrive
as their SHA-256 (see :mod:`server.auth.sessions`). Neither secret is ever stored.

Example::

    admin = await store.admins.create("ops@example.com", hasher.hash(pw), role="platform")
    await store.admin_sessions.create(token_hash, admin.id, csrf, expires_at=later)
"""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select

from server.errors import NotFound
from server.store.engine import Database
from server.store.models import Admin, AdminRole, AdminSession
from server.store.schema import admin_sessions, admins, new_id, utcnow
from server.store.tenants import require_tenant

_adm = admins.c
_ses = admin_sessions.c
_PUBLIC = tuple(column for column in admins.c if column.name != "password_hash")


class AdminRepository:
    """Create, find and change admin accounts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, email: str, password_hash: str | None, *, role: AdminRole, tenant_id: str | None
    ) -> Admin:
        """Add an account; :class:`Conflict` if the email is taken, NotFound for a bad tenant."""
        admin = Admin(id=new_id(), email=email, role=role, tenant_id=tenant_id, created_at=utcnow())
        row = {**admin.model_dump(), "password_hash": password_hash}
        async with self._db.transaction(conflict=f"an admin {email!r} already exists") as conn:
            if tenant_id is not None:
                await require_tenant(conn, tenant_id)
            await conn.execute(admins.insert().values(row))
        return admin

    async def get(self, admin_id: str) -> Admin | None:
        """The account with this id."""
        rows = await self._select(_adm.id == admin_id)
        return rows[0] if rows else None

    async def by_email(self, email: str) -> Admin | None:
        """The account with this (normalised) email."""
        rows = await self._select(_adm.email == email)
        return rows[0] if rows else None

    async def by_oidc(self, issuer: str, subject: str) -> Admin | None:
        """The account linked to this single-sign-on identity."""
        rows = await self._select(_adm.oidc_issuer == issuer, _adm.oidc_subject == subject)
        return rows[0] if rows else None

    async def password_hash(self, admin_id: str) -> str | None:
        """The stored hash, for the code that verifies a password."""
        async with self._db.reading() as conn:
            value = await conn.scalar(select(_adm.password_hash).where(_adm.id == admin_id))
        return None if value is None else str(value)

    async def list(self, tenant_id: str | None = None) -> builtins.list[Admin]:
        """Every account, or the accounts of one tenant, by email."""
        where = () if tenant_id is None else (_adm.tenant_id == tenant_id,)
        return await self._select(*where)

    async def update(self, admin_id: str, **changes: object) -> Admin:
        """Change columns of one account; :class:`NotFound` if there is none."""
        statement = admins.update().where(_adm.id == admin_id).values(changes)
        conflict = "that single-sign-on identity is linked to another admin"
        async with self._db.transaction(conflict=conflict) as conn:
            result = await conn.execute(statement)
        if result.rowcount == 0:
            raise NotFound(f"no admin {admin_id!r}")
        found = await self.get(admin_id)
        assert found is not None
        return found

    async def delete(self, admin_id: str) -> bool:
        """Remove an account and its sessions; ``False`` if there was none."""
        async with self._db.transaction() as conn:
            result = await conn.execute(delete(admins).where(_adm.id == admin_id))
        return result.rowcount > 0

    async def count(self) -> int:
        """How many accounts exist."""
        async with self._db.reading() as conn:
            return int(await conn.scalar(select(func.count()).select_from(admins)) or 0)

    async def _select(self, *where: ColumnElement[bool]) -> builtins.list[Admin]:
        statement = select(*_PUBLIC).where(*where).order_by(_adm.email)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [Admin.model_validate(row) for row in rows]


class AdminSessionRepository:
    """Server-side admin sessions, keyed by the hash of the id in the browser's cookie."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, token_hash: str, admin_id: str, csrf_token: str, *, expires_at: datetime
    ) -> AdminSession:
        """Store a new session."""
        now = utcnow()
        session = AdminSession(
            admin_id=admin_id,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
        async with self._db.transaction() as conn:
            await conn.execute(
                admin_sessions.insert().values(token_hash=token_hash, **session.model_dump())
            )
        return session

    async def get(self, token_hash: str) -> AdminSession | None:
        """The session whose id hashes to ``token_hash``."""
        statement = select(admin_sessions).where(_ses.token_hash == token_hash)
        async with self._db.reading() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else AdminSession.model_validate(row)

    async def touch(self, token_hash: str, seen_at: datetime) -> None:
        """Record use of the session, which moves its idle deadline."""
        statement = admin_sessions.update().where(_ses.token_hash == token_hash)
        async with self._db.transaction() as conn:
            await conn.execute(statement.values(last_seen_at=seen_at))

    async def delete(self, token_hash: str) -> None:
        """End one session."""
        async with self._db.transaction() as conn:
            await conn.execute(delete(admin_sessions).where(_ses.token_hash == token_hash))

    async def delete_for(self, admin_id: str) -> None:
        """End every session of one admin (after a password change or removal)."""
        async with self._db.transaction() as conn:
            await conn.execute(delete(admin_sessions).where(_ses.admin_id == admin_id))

    async def purge(self, now: datetime, idle_before: datetime) -> int:
        """Delete sessions past their absolute or idle deadline; returns how many."""
        statement = delete(admin_sessions).where(
            (_ses.expires_at <= now) | (_ses.last_seen_at <= idle_before)
        )
        async with self._db.transaction() as conn:
            result = await conn.execute(statement)
        return result.rowcount
