"""Settings of the Genesys Cloud adapter: one organization's region and OAuth clients."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, StringConstraints, field_validator

from providers.base import SECRET_DESTINATION, ProviderSettings
from providers.genesys.const import ENVIRONMENTS

GenesysId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,64}$")
]


class GenesysSettings(ProviderSettings):
    """A tenant's Genesys Cloud organization and the two OAuth clients cuecard uses.

    ``client_id``/``client_secret`` are a Client Credentials client the server uses for
    notifications and conversation reads. ``agent_client_id`` is a Code Authorization (PKCE)
    client agents log in through. The ``*_base_url`` and ``desktop_origin`` overrides exist
    for private environments and tests; normally they follow from ``environment``.
    """

    environment: str = Field(
        default="mypurecloud.com",
        description="Region domain, e.g. mypurecloud.ie (the part after api. / login.).",
    )
    organization_id: GenesysId = Field(description="Agents from any other org are refused.")
    client_id: GenesysId = Field(
        description="OAuth client (Client Credentials) the server reads notifications with."
    )
    client_secret: SecretStr = Field(description="Secret of that client; stored encrypted.")
    agent_client_id: GenesysId | None = Field(
        default=None, description="OAuth client (Code Authorization + PKCE) for agent login."
    )
    queue_ids: tuple[GenesysId, ...] = Field(
        default=(), description="Queues to watch; every queue mapped for genesys is added."
    )
    api_base_url: AnyHttpUrl | None = Field(
        json_schema_extra=SECRET_DESTINATION,
        default=None,
        description="Override of https://api.<environment> (private clouds, tests).",
    )
    login_base_url: AnyHttpUrl | None = Field(
        json_schema_extra=SECRET_DESTINATION,
        default=None,
        description="Override of https://login.<environment>.",
    )
    desktop_origin: AnyHttpUrl | None = Field(
        default=None,
        description="Override of https://apps.<environment>, the desktop that frames the widget.",
    )

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ENVIRONMENTS.values():
            known = ", ".join(sorted(ENVIRONMENTS.values()))
            raise ValueError(f"unknown Genesys Cloud environment {value!r} (known: {known})")
        return value

    @property
    def api_url(self) -> str:
        """Base URL of the platform API, without a trailing slash."""
        return _base(self.api_base_url, f"https://api.{self.environment}")

    @property
    def login_url(self) -> str:
        """Base URL of the OAuth server, without a trailing slash."""
        return _base(self.login_base_url, f"https://login.{self.environment}")

    @property
    def host_origin(self) -> str:
        """Origin of the agent desktop that frames the widget (CSP frame-ancestors)."""
        return _base(self.desktop_origin, f"https://apps.{self.environment}")


def _base(override: AnyHttpUrl | None, default: str) -> str:
    return str(override).rstrip("/") if override is not None else default
