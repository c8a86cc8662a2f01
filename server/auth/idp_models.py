"""What crosses the boundary of a tenant's agent identity provider: the settings in, the view out.

Shared by ``/api/v1/agent-sign-in`` and the admin portal's Agent sign-in page. The client
secret is write-only: it goes in, and only its last four characters come back.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from authlib.common.security import is_secure_transport
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator

from server.store.models import AgentIdentityProvider

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ClientId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
# Plain names (preferred_username, desk_agent_id), Entra's extn.* and extension_* attributes,
# and namespaced URLs (https://acme.example/agent_id).
ClaimName = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.:/#-]{1,200}$")
]
Domain = Annotated[str, StringConstraints(strip_whitespace=True, max_length=253)]
DOMAIN = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Claims that say how a token was issued, never who the person is at the platform.
PROTOCOL_CLAIMS = frozenset(
    {"iss", "aud", "exp", "iat", "nbf", "nonce", "azp", "at_hash", "c_hash", "auth_time", "acr"}
)
MASK = "••••"


class AgentIdpIn(BaseModel):
    """A tenant's identity provider for agent sign-in (``PUT`` replaces the whole of it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    display_name: DisplayName = Field(
        description='What agents know it as; the widget offers "Sign in with <display_name>".'
    )
    issuer: str = Field(
        max_length=2048,
        description="Issuer URL exactly as the provider's ID tokens name it (https).",
    )
    client_id: ClientId = Field(description="The client id cuecard is registered under there.")
    client_secret: SecretStr | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="Write-only. Required the first time; left out, the stored one is kept.",
    )
    agent_id_claim: ClaimName = Field(
        description="The ID token claim whose value is the agent's id at the platform, e.g. "
        "preferred_username, email or a custom claim."
    )
    allowed_email_domains: list[Domain] = Field(
        default_factory=list,
        max_length=50,
        description="When set, only verified email addresses in these domains may sign in.",
    )
    enabled: bool = True

    @field_validator("issuer")
    @classmethod
    def _issuer_over_https(cls, value: str) -> str:
        # OpenID Connect Discovery: https, no query or fragment (loopback http for tests).
        if not is_secure_transport(value) or "?" in value or "#" in value:
            raise ValueError("must be an https URL without query or fragment")
        return value

    @field_validator("agent_id_claim")
    @classmethod
    def _names_a_person(cls, value: str) -> str:
        if value in PROTOCOL_CLAIMS:
            raise ValueError(f"{value!r} says how the token was issued, not who the agent is")
        return value

    @field_validator("allowed_email_domains")
    @classmethod
    def _domain_names(cls, value: list[str]) -> list[str]:
        domains = [domain.lower() for domain in value]
        for domain in domains:
            if not DOMAIN.fullmatch(domain):
                raise ValueError(f"{domain!r} is not a domain name such as acme.example")
        return sorted(set(domains))


class AgentIdpView(BaseModel):
    """A tenant's identity provider as shown back: never its client secret."""

    model_config = ConfigDict(frozen=True)

    display_name: str
    issuer: str
    client_id: str
    client_secret_last4: str = Field(description="The stored secret's last four characters.")
    agent_id_claim: str
    allowed_email_domains: list[str]
    enabled: bool
    redirect_uri: str = Field(
        description="The redirect URI to register at the provider (the same for every tenant)."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: AgentIdentityProvider, redirect_uri: str) -> AgentIdpView:
        """The view of a stored row."""
        return cls(
            display_name=row.display_name,
            issuer=row.issuer,
            client_id=row.client_id,
            client_secret_last4=row.client_secret_last4,
            agent_id_claim=row.agent_id_claim,
            allowed_email_domains=list(row.allowed_email_domains),
            enabled=row.enabled,
            redirect_uri=redirect_uri,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @property
    def masked_secret(self) -> str:
        """The secret as pages show it."""
        return MASK + self.client_secret_last4


class SignInOption(BaseModel):
    """How agents of a platform sign in for a tenant: what the widget's button says and opens."""

    model_config = ConfigDict(frozen=True)

    flow: str = Field(description="platform_oauth or tenant_idp")
    provider_name: str = Field(description='The button reads "Sign in with <provider_name>".')
    login_path: str = Field(description="Where the sign-in popup starts (?tenant=&nonce=).")
