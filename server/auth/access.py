"""Who is asking (a principal) and the one function that decides what they may touch.

The REST API and the admin pages both call :func:`authorize`; nothing else decides access.

Example::

    principal = Principal.of_admin(admin)          # or Principal.of_api_key("acme")
    authorize(principal, Permission.CONFIGURE, "acme")   # NotFound if not theirs
    authorize(principal, Permission.PLATFORM)            # Forbidden unless platform admin
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.errors import Forbidden, NotFound
from server.store.models import Admin


class Permission(StrEnum):
    """What a request wants to do."""

    # Read or change one tenant's configuration and data.
    CONFIGURE = "configure"
    # Create, list or remove one tenant's admin accounts (people, not API keys).
    MANAGE_ADMINS = "manage_admins"
    # Act across tenants: list and create tenants, manage platform admins.
    PLATFORM = "platform"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a tenant API key, or a signed-in admin."""

    tenant_id: str | None
    admin: Admin | None = None

    @classmethod
    def of_api_key(cls, tenant_id: str) -> Principal:
        """The caller behind a tenant's API key."""
        return cls(tenant_id=tenant_id)

    @classmethod
    def of_admin(cls, admin: Admin) -> Principal:
        """A signed-in admin; a platform admin belongs to no tenant."""
        return cls(tenant_id=admin.tenant_id, admin=admin)

    @property
    def is_platform(self) -> bool:
        """A platform admin, who may act on every tenant."""
        return self.admin is not None and self.admin.role == "platform"


def authorize(principal: Principal, permission: Permission, tenant_id: str | None = None) -> None:
    """Return if ``principal`` may do ``permission`` on ``tenant_id``; raise otherwise.

    Another tenant is answered with :class:`NotFound`, exactly like a tenant that does not
    exist, so ids cannot be probed; a permission the caller's kind never has is
    :class:`Forbidden`.
    """
    if principal.is_platform:
        return
    if permission is Permission.PLATFORM:
        raise Forbidden("only a platform admin may do this")
    if permission is Permission.MANAGE_ADMINS and principal.admin is None:
        raise Forbidden("admin accounts are managed by admins, not with an API key")
    if tenant_id is None or tenant_id != principal.tenant_id:
        raise NotFound("no such tenant")


def allowed(principal: Principal, permission: Permission, tenant_id: str | None = None) -> bool:
    """:func:`authorize` as a yes/no, for filtering lists."""
    try:
        authorize(principal, permission, tenant_id)
    except (Forbidden, NotFound):
        return False
    return True
