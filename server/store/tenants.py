"""Tenants: the organisations every other record belongs to."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.errors import InvalidInput, NotFound
from server.store.engine import Database
from server.store.models import Tenant
from server.store.schema import tenants, utcnow


class TenantRepository:
    """Create, read and configure tenants."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, id: str, name: str, allowed_origins: Iterable[str] = ()) -> Tenant:
        """Add a tenant; :class:`Conflict` if the id is taken, :class:`InvalidInput` if bad."""
        try:
            tenant = Tenant(
                id=id, name=name, allowed_origins=tuple(allowed_origins), created_at=utcnow()
            )
        except ValidationError as err:
            field = str(err.errors()[0]["loc"][0])
            raise InvalidInput(f"invalid tenant {field}", field=field) from err
        values = tenant.model_dump()
        values["allowed_origins"] = list(tenant.allowed_origins)
        async with self._db.transaction(conflict=f"tenant {id!r} already exists") as conn:
            await conn.execute(tenants.insert().values(values))
        return tenant

    async def get(self, id: str) -> Tenant | None:
        """The tenant with this id, if any."""
        async with self._db.reading() as conn:
            row = (await conn.execute(select(tenants).where(tenants.c.id == id))).first()
        return None if row is None else Tenant.model_validate(row)

    async def list(self) -> list[Tenant]:
        """Every tenant, ordered by id."""
        async with self._db.reading() as conn:
            rows = (await conn.execute(select(tenants).order_by(tenants.c.id))).all()
        return [Tenant.model_validate(row) for row in rows]

    async def set_allowed_origins(self, id: str, origins: Iterable[str]) -> Tenant:
        """Replace the origins allowed to embed the widget; :class:`NotFound` if no tenant."""
        statement = (
            tenants.update()
            .where(tenants.c.id == id)
            .values(allowed_origins=list(origins))
            .returning(*tenants.c)
        )
        async with self._db.transaction() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            raise NotFound(f"no tenant {id!r}")
        return Tenant.model_validate(row)

    async def rename(self, id: str, name: str) -> Tenant:
        """Change the display name; :class:`NotFound` if no tenant."""
        statement = tenants.update().where(tenants.c.id == id).values(name=name)
        async with self._db.transaction() as conn:
            row = (await conn.execute(statement.returning(*tenants.c))).first()
        if row is None:
            raise NotFound(f"no tenant {id!r}")
        return Tenant.model_validate(row)

    async def set_dense_retrieval(self, id: str, enabled: bool) -> Tenant:
        """Switch dense (embedding) retrieval on or off; :class:`NotFound` if no tenant."""
        statement = (
            tenants.update()
            .where(tenants.c.id == id)
            .values(dense_retrieval=enabled)
            .returning(*tenants.c)
        )
        async with self._db.transaction() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            raise NotFound(f"no tenant {id!r}")
        return Tenant.model_validate(row)


async def require_tenant(conn: AsyncConnection, tenant_id: str) -> None:
    """Raise :class:`NotFound` unless the tenant exists (checked before writing its records)."""
    if await conn.scalar(select(tenants.c.id).where(tenants.c.id == tenant_id)) is None:
        raise NotFound(f"no tenant {tenant_id!r}")
