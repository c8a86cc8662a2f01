"""Admin accounts: creating them, and signing in with an email and a password."""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import logging
import re
from dataclasses import dataclass

from server.auth.errors import SsoNoAccount
from server.auth.passwords import Passwords, check_strength
from server.auth.throttle import LoginThrottle
from server.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from server.ratelimit import RateLimit, RateLimiter
from server.store.database import Store
from server.store.models import Admin, AdminRole
from server.store.schema import utcnow

log = logging.getLogger(__name__)
# Deliberately loose: the address only has to reach a person, and SSO matches it exactly.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WRONG_CREDENTIALS = "email or password is wrong"
# Refused (already used) emails an admin may try per hour before account creation pauses.
TAKEN_EMAILS_LIMIT = RateLimit("refused emails", limit=5, seconds=3600, field="email")


@dataclass(frozen=True, slots=True)
class SsoIdentity:
    """A person the OpenID provider vouches for, from a verified ID token."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool


def normalise_email(email: str) -> str:
    """The form emails are stored and compared in."""
    return email.strip().lower()


def check_email(email: str, *, field: str = "email") -> str:
    """The normalised email; :class:`InvalidInput` naming ``field`` if it is not one."""
    normalised = normalise_email(email)
    if len(normalised) > 320 or not _EMAIL.match(normalised):
        raise InvalidInput("is not an email address", field=field)
    return normalised


def check_role(role: AdminRole, tenant_id: str | None) -> None:
    """A platform admin has no tenant; a tenant admin needs one."""
    if role == "platform" and tenant_id is not None:
        raise InvalidInput("a platform admin belongs to no tenant", field="tenant_id")
    if role == "tenant" and not tenant_id:
        raise InvalidInput("a tenant admin needs a tenant", field="tenant_id")


class AdminService:
    """Create and list admin accounts; check sign-ins."""

    def __init__(self, store: Store, passwords: Passwords, throttle: LoginThrottle) -> None:
        self._store = store
        self._passwords = passwords
        self._throttle = throttle
        self._taken_emails = RateLimiter(TAKEN_EMAILS_LIMIT)

    async def create(
        self,
        email: str,
        password: str | None,
        *,
        role: AdminRole,
        tenant_id: str | None,
        by: str | None = None,
    ) -> Admin:
        """Add an account; without a password it cannot sign in with one.

        ``by`` is the admin creating it. Emails are one namespace across tenants, so a refused
        email (:class:`Conflict`) tells its creator that the address is in use somewhere;
        after a few such refusals an admin may create no account for a while
        (:data:`TAKEN_EMAILS_LIMIT`), which keeps other tenants' addresses from being probed.
        """
        email = check_email(email)
        check_role(role, tenant_id)
        if password is not None:
            check_strength(password)
        if by is not None:
            self._taken_emails.check(by)
        hashed = None if password is None else await self._hash(password)
        try:
            admin = await self._store.admins.create(email, hashed, role=role, tenant_id=tenant_id)
        except Conflict:
            if by is not None:
                self._taken_emails.spend(by)
            raise
        log.info("admin %s created (%s)", admin.id, role)
        return admin

    async def list(self, tenant_id: str | None = None) -> builtins.list[Admin]:
        """Every account, or one tenant's."""
        return await self._store.admins.list(tenant_id)

    async def get(self, admin_id: str) -> Admin:
        """One account; :class:`NotFound` if absent."""
        admin = await self._store.admins.get(admin_id)
        if admin is None:
            raise NotFound("no such admin")
        return admin

    async def delete(self, admin_id: str) -> None:
        """Remove an account; its sessions end with it."""
        if not await self._store.admins.delete(admin_id):
            raise NotFound("no such admin")
        log.info("admin %s deleted", admin_id)

    async def set_password(self, admin_id: str, password: str) -> None:
        """Replace the password and end every session signed in with the old one."""
        check_strength(password)
        await self._store.admins.update(admin_id, password_hash=await self._hash(password))
        await self._store.admin_sessions.delete_for(admin_id)

    async def sign_in(self, email: str, password: str, *, client: str) -> Admin:
        """The account these credentials open, or :class:`Unauthenticated` with one message.

        A wrong password, an unknown email and an account without a password fail alike and
        do the same work: every attempt verifies one argon2 hash (a decoy when there is no
        account), in a worker thread so the server keeps answering meanwhile. Failures are
        throttled per (email, address) and per address (:mod:`server.auth.throttle`).
        """
        email = normalise_email(email)
        email_key = _digest(email)
        self._throttle.check(email_key, client)
        admin = await self._store.admins.by_email(email)
        stored = None if admin is None else await self._store.admins.password_hash(admin.id)
        matches = await asyncio.to_thread(self._passwords.verify, stored, password)
        if admin is None or stored is None or not matches:
            self._throttle.failed(email_key, client)
            raise Unauthenticated(WRONG_CREDENTIALS)
        self._throttle.succeeded(email_key, client)
        changes: dict[str, object] = {"last_login_at": utcnow()}
        if self._passwords.needs_rehash(stored):
            changes["password_hash"] = await self._hash(password)
        return await self._store.admins.update(admin.id, **changes)

    async def _hash(self, password: str) -> str:
        # argon2 takes tens of milliseconds by design; the event loop must not wait for it.
        return await asyncio.to_thread(self._passwords.hash, password)

    async def sign_in_with_sso(self, identity: SsoIdentity) -> Admin:
        """The account linked to ``identity``, linking it by verified email the first time.

        Nobody is created here: an identity without an account is refused with
        :class:`SsoNoAccount`, as is an email the provider has not verified.
        """
        admin = await self._store.admins.by_oidc(identity.issuer, identity.subject)
        if admin is None:
            admin = await self._link(identity)
        return await self._store.admins.update(admin.id, last_login_at=utcnow())

    async def _link(self, identity: SsoIdentity) -> Admin:
        if not identity.email:
            raise SsoNoAccount(
                "the identity provider did not share an email address, so no admin account "
                "can be matched; allow the email scope for cuecard at the provider"
            )
        if not identity.email_verified:
            raise SsoNoAccount(
                f"the identity provider has not verified the email address {identity.email}; "
                "verify it there, then sign in again"
            )
        admin = await self._store.admins.by_email(normalise_email(identity.email))
        if admin is None:
            raise SsoNoAccount(
                f"there is no cuecard admin account for {identity.email}; a platform admin "
                "must create it first (cuecard admin create, or the admins API)"
            )
        if admin.oidc_subject is not None:
            raise SsoNoAccount(
                f"the admin account {identity.email} is already linked to another "
                "single-sign-on identity"
            )
        linked = await self._store.admins.update(
            admin.id, oidc_issuer=identity.issuer, oidc_subject=identity.subject
        )
        log.info("admin %s linked to single sign-on", admin.id)
        return linked


def _digest(email: str) -> str:
    # Throttle keys sit in memory for an hour; they need not hold the address itself.
    return hashlib.sha256(email.encode()).hexdigest()[:32]
