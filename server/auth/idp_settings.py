"""Each tenant's own identity provider for agent sign-in: stored, tested, and ready to use.

The client secret is sealed under its own key (``AGENT_IDP_SECRET_CONTEXT``) before it reaches
the database and opened only to build the :class:`OidcClient` that exchanges codes. That client
(discovery document and signing keys cached inside it) is kept per tenant until the tenant's
settings change. Example::

    view = await idps.put("acme", AgentIdpIn(display_name="Okta", issuer=..., ...))
    result = await idps.check("acme")          # discovery and keys, the real error if not
    row, client = await idps.client("acme")    # LoginNotConfigured unless set up and enabled
"""

from __future__ import annotations

from datetime import datetime

import aiohttp
from pydantic import SecretStr

from server.auth.errors import IdpTokenInvalid, IdpUnavailable, LoginNotConfigured
from server.auth.idp_models import AgentIdpIn, AgentIdpView
from server.auth.oidc_client import OidcClient, OidcTerms
from server.errors import CuecardError, InvalidInput, NotFound
from server.integrations.models import CheckResult
from server.secret_box import SecretBox
from server.store.agent_idps import AgentIdpRow
from server.store.database import Store
from server.store.models import AgentIdentityProvider

CALLBACK_PATH = "/auth/idp/callback"
TERMS = OidcTerms(
    unavailable=IdpUnavailable,
    token_invalid=IdpTokenInvalid,
    issuer_setting="the issuer set on the Agent sign-in page",
    client_settings="the client id and secret set on the Agent sign-in page",
    purpose="agent sign-in",
)
_NONE = "this tenant has no identity provider for agent sign-in"


class AgentIdps:
    """Stores, tests and opens the tenants' identity providers; every call names its tenant."""

    def __init__(
        self, store: Store, box: SecretBox, session: aiohttp.ClientSession, *, base_url: str
    ) -> None:
        self._store = store
        self._box = box
        self._session = session
        self.redirect_uri = base_url.rstrip("/") + CALLBACK_PATH
        self._clients: dict[str, tuple[datetime, OidcClient]] = {}

    async def find(self, tenant_id: str) -> AgentIdentityProvider | None:
        """The tenant's identity provider (enabled or not), if it has one."""
        return await self._store.agent_idps.get(tenant_id)

    async def get(self, tenant_id: str) -> AgentIdpView:
        """The tenant's identity provider as shown back; :class:`NotFound` if it has none."""
        row = await self.find(tenant_id)
        if row is None:
            raise NotFound(_NONE)
        return AgentIdpView.of(row, self.redirect_uri)

    async def put(self, tenant_id: str, body: AgentIdpIn) -> AgentIdpView:
        """Create or replace the tenant's identity provider; without a secret, keep the stored
        one (there must be one)."""
        secret = body.client_secret
        current = await self.find(tenant_id) if secret is None else None
        if secret is None and current is None:
            raise InvalidInput(
                "required the first time (write-only: never shown again)", field="client_secret"
            )
        if current is not None and current.issuer != body.issuer:
            # The stored secret is write-only; sent to an issuer of the caller's choosing it
            # would be read there.
            raise InvalidInput(
                "send the client secret again with a new issuer", field="client_secret"
            )
        settings = AgentIdpRow(
            display_name=body.display_name,
            issuer=body.issuer,
            client_id=body.client_id,
            agent_id_claim=body.agent_id_claim,
            allowed_email_domains=tuple(body.allowed_email_domains),
            enabled=body.enabled,
        )
        sealed = None if secret is None else self._box.seal(secret.get_secret_value())
        row = await self._store.agent_idps.put(tenant_id, settings, secret=sealed)
        self._clients.pop(tenant_id, None)
        return AgentIdpView.of(row, self.redirect_uri)

    async def delete(self, tenant_id: str) -> None:
        """Remove the tenant's identity provider: its agents' sessions stop renewing."""
        self._clients.pop(tenant_id, None)
        if not await self._store.agent_idps.delete(tenant_id):
            raise NotFound(_NONE)

    async def check(self, tenant_id: str) -> CheckResult:
        """Fetch the discovery document and the signing keys afresh; the real error if not."""
        row = await self.find(tenant_id)
        if row is None:
            raise NotFound(_NONE)
        client = await self._new_client(row)
        try:
            metadata = await client.metadata()
            keys = await client.key_set()
        except CuecardError as err:
            return CheckResult(ok=False, code=err.code, message=err.message)
        count = len(keys.keys)
        return CheckResult(
            ok=True,
            message=f"Discovery at {row.issuer} answers; {count} signing key(s) load from "
            f"{metadata.jwks_uri}. Signing algorithms: {', '.join(metadata.algorithms)}.",
        )

    async def client(self, tenant_id: str) -> tuple[AgentIdentityProvider, OidcClient]:
        """The tenant's enabled identity provider and its client; ``LoginNotConfigured`` if none."""
        row = await self.find(tenant_id)
        if row is None or not row.enabled:
            raise LoginNotConfigured(
                "agents of this tenant sign in through its identity provider, which is not set "
                "up: an admin must configure it on the Agent sign-in page"
            )
        cached = self._clients.get(tenant_id)
        if cached is not None and cached[0] == row.updated_at:
            return row, cached[1]
        client = await self._new_client(row)
        self._clients[tenant_id] = (row.updated_at, client)
        return row, client

    async def _new_client(self, row: AgentIdentityProvider) -> OidcClient:
        sealed = await self._store.agent_idps.sealed_secret(row.tenant_id)
        if sealed is None:
            raise NotFound(_NONE)  # removed since it was read
        return OidcClient(
            self._session,
            issuer=row.issuer,
            client_id=row.client_id,
            client_secret=SecretStr(self._box.open(sealed)),
            terms=TERMS,
        )
