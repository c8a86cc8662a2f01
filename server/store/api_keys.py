"""Tenant API keys: shown once, stored as a lookup prefix and a SHA-256 hash.

Keys are 256-bit random secrets, so a fast hash is enough: there is nothing to brute-force
the way there is with a password.

Example::

    key, plaintext = await store.api_keys.create("acme")
    # plaintext == "cc_1f2e3d4c_..."  (give it to the tenant; it is never retrievable again)
    assert await store.api_keys.authenticate(plaintext) == "acme"
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import secrets

from sqlalchemy import Select, select
from sqlalchemy.util.typing import TupleAny

from server.errors import Conflict, NotFound
from server.store.engine import Database
from server.store.models import ApiKey
from server.store.schema import api_keys, new_id, utcnow
from server.store.tenants import require_tenant

KEY_PATTERN = re.compile(r"cc_(?P<prefix>[0-9a-f]{8})_[A-Za-z0-9_-]{43}")
_PREFIX_ATTEMPTS = 3
_PUBLIC_COLUMNS = (
    api_keys.c.id,
    api_keys.c.tenant_id,
    api_keys.c.prefix,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
)


def _hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    """A fresh ``(prefix, plaintext)`` pair."""
    prefix = secrets.token_hex(4)
    return prefix, f"cc_{prefix}_{secrets.token_urlsafe(32)}"


class ApiKeyRepository:
    """Issue, check and revoke tenant API keys."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, tenant_id: str) -> tuple[ApiKey, str]:
        """Issue a key; returns the stored record and the plaintext, which is never kept."""
        async with self._db.reading() as conn:
            await require_tenant(conn, tenant_id)
        for _ in range(_PREFIX_ATTEMPTS):
            prefix, plaintext = _new_key()
            key = ApiKey(id=new_id(), tenant_id=tenant_id, prefix=prefix, created_at=utcnow())
            row = {**key.model_dump(), "key_hash": _hash(plaintext)}
            try:
                async with self._db.transaction() as conn:
                    await conn.execute(api_keys.insert().values(row))
            except Conflict:
                continue  # a 32-bit prefix collided with an existing key; draw again
            return key, plaintext
        raise Conflict("could not allocate a unique API key prefix")

    async def authenticate(self, plaintext: str) -> str | None:
        """The tenant id a valid, unrevoked key belongs to; ``None`` for anything else."""
        match = KEY_PATTERN.fullmatch(plaintext) if isinstance(plaintext, str) else None
        if match is None:
            return None
        statement = select(api_keys.c.tenant_id, api_keys.c.key_hash).where(
            api_keys.c.prefix == match["prefix"], api_keys.c.revoked_at.is_(None)
        )
        async with self._db.reading() as conn:
            row = (await conn.execute(statement)).first()
        if row is None or not hmac.compare_digest(row.key_hash, _hash(plaintext)):
            return None
        return str(row.tenant_id)

    async def revoke(self, tenant_id: str, key_id: str) -> ApiKey:
        """Revoke one of the tenant's keys; revoking twice keeps the first revocation time."""
        statement = (
            api_keys.update()
            .where(
                api_keys.c.id == key_id,
                api_keys.c.tenant_id == tenant_id,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        current = self._select(tenant_id).where(api_keys.c.id == key_id)
        async with self._db.transaction() as conn:
            await conn.execute(statement)
            row = (await conn.execute(current)).first()
        if row is None:
            raise NotFound(f"no API key {key_id!r} for tenant {tenant_id!r}")
        return ApiKey.model_validate(row)

    async def list(self, tenant_id: str) -> builtins.list[ApiKey]:
        """The tenant's keys, oldest first, revoked ones included."""
        statement = self._select(tenant_id).order_by(api_keys.c.created_at, api_keys.c.id)
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [ApiKey.model_validate(row) for row in rows]

    @staticmethod
    def _select(tenant_id: str) -> Select[*TupleAny]:
        return select(*_PUBLIC_COLUMNS).where(api_keys.c.tenant_id == tenant_id)
