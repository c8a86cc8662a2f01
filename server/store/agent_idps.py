"""Agent identity providers: each tenant's own OpenID provider, its client secret stored sealed.

One row per tenant. The store never sees the plaintext secret: callers seal it first (see
:class:`server.secret_box.SecretBox`) and pass the ciphertext with its last four characters.

Example::

    idp = await store.agent_idps.put(
        "acme", AgentIdpRow(display_name="Okta", issuer="https://acme.okta.com",
        client_id="0oa1", agent_id_claim="preferred_username", allowed_email_domains=(),
        enabled=True), secret=box.seal("s3cret-value"),
    )
    assert idp.client_secret_last4 == "alue"
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from server.store.engine import Database
from server.store.llm_integrations import SealedKey
from server.store.models import AgentIdentityProvider
from server.store.schema import agent_identity_providers, utcnow

_idp = agent_identity_providers.c
_PUBLIC = (
    _idp.tenant_id,
    _idp.display_name,
    _idp.issuer,
    _idp.client_id,
    _idp.client_secret_last4,
    _idp.agent_id_claim,
    _idp.allowed_email_domains,
    _idp.enabled,
    _idp.created_at,
    _idp.updated_at,
)


@dataclass(frozen=True, slots=True)
class AgentIdpRow:
    """The settings of a tenant's identity provider besides its secret."""

    display_name: str
    issuer: str
    client_id: str
    agent_id_claim: str
    allowed_email_domains: tuple[str, ...]
    enabled: bool


class AgentIdpRepository:
    """Read, replace and remove one tenant's identity provider; every statement names the tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, tenant_id: str) -> AgentIdentityProvider | None:
        """The tenant's identity provider, without its secret; None when it has none."""
        statement = select(*_PUBLIC).where(_idp.tenant_id == tenant_id)
        async with self._db.reading() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else AgentIdentityProvider.model_validate(row)

    async def sealed_secret(self, tenant_id: str) -> str | None:
        """The stored ciphertext of the client secret, for the code that signs agents in."""
        statement = select(_idp.client_secret_encrypted).where(_idp.tenant_id == tenant_id)
        async with self._db.reading() as conn:
            value = await conn.scalar(statement)
        return None if value is None else str(value)

    async def put(
        self, tenant_id: str, settings: AgentIdpRow, *, secret: SealedKey | None
    ) -> AgentIdentityProvider:
        """Create or replace the tenant's identity provider; ``secret=None`` keeps the stored one
        (the caller made sure there is one)."""
        now = utcnow()
        values: dict[str, object] = {
            **asdict(settings),
            "allowed_email_domains": list(settings.allowed_email_domains),
            "updated_at": now,
        }
        if secret is not None:
            values.update(
                client_secret_encrypted=secret.ciphertext, client_secret_last4=secret.last4
            )
        update = agent_identity_providers.update().where(_idp.tenant_id == tenant_id)
        conflict = "the identity provider was changed at the same time; try again"
        async with self._db.transaction(conflict=conflict) as conn:
            result = await conn.execute(update.values(values))
            if result.rowcount == 0:
                row = {**values, "tenant_id": tenant_id, "created_at": now}
                await conn.execute(agent_identity_providers.insert().values(row))
        found = await self.get(tenant_id)
        assert found is not None
        return found

    async def delete(self, tenant_id: str) -> bool:
        """Remove the tenant's identity provider; False if it had none."""
        statement = delete(agent_identity_providers).where(_idp.tenant_id == tenant_id)
        async with self._db.transaction() as conn:
            result = await conn.execute(statement)
        return result.rowcount > 0
