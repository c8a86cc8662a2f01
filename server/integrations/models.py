"""What crosses the integrations boundary: bodies in, views and statuses out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from providers.base import Capability, ConnectionState
from server.store.models import Integration

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ProviderName = Name
MASK = "••••"


class IntegrationIn(BaseModel):
    """A new integration: which provider, a name, and that provider's settings."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName
    name: Name
    enabled: bool = True
    settings: dict[str, Any] = Field(default_factory=dict)


class IntegrationPatch(BaseModel):
    """Changes to an integration; secret settings left out keep their stored values."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    enabled: bool | None = None
    settings: dict[str, Any] | None = None


class IntegrationView(BaseModel):
    """An integration as shown back: secret settings masked to their last four characters."""

    id: str
    provider: str
    name: str
    enabled: bool
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Integration) -> IntegrationView:
        """The view of a stored row."""
        masked = {field: MASK + hint for field, hint in row.secret_hints.items()}
        return cls(
            id=row.id,
            provider=row.provider,
            name=row.name,
            enabled=row.enabled,
            settings={**row.settings, **masked},
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class CheckResult(BaseModel):
    """The outcome of testing an integration against its platform."""

    ok: bool
    code: str | None = None
    message: str | None = None


class IntegrationStatus(BaseModel):
    """Where one running integration's connection stands."""

    integration_id: str
    provider: str
    name: str
    state: ConnectionState
    last_error: str | None = None
    changed_at: AwareDatetime
    # Sources that report their load: messages held and not settled, the last rejection.
    backlog: int | None = None
    last_rejection: str | None = None


class ProviderInfo(BaseModel):
    """A provider integrations can be made for, and the JSON schema of its settings."""

    name: str
    display_name: str
    kind: Literal["pull", "push"] | None = Field(
        description="How its server-side events arrive; null when only the desktop sends them."
    )
    capabilities: list[Capability]
    settings_schema: dict[str, Any]
