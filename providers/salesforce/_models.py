"""The Salesforce answers the client reads, and the composite subrequests it sends."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Method = Literal["GET", "POST", "PATCH", "DELETE"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class Session(_Model):
    """A JWT bearer token response (protocols.md 7.4)."""

    access_token: SecretStr
    instance_url: str = Field(pattern=r"^https?://[^/?#]+/?$")
    id: str = ""


class UserInfo(_Model):
    """``/services/oauth2/userinfo``, as far as cuecard needs it."""

    user_id: str
    organization_id: str
    name: str = ""
    preferred_username: str = ""


class UpsertResult(_Model):
    """The record an upsert by external id created or updated."""

    id: str
    created: bool


class Subrequest(_Model):
    """One request of a composite request; ``path`` is below ``/services/data/vXX.X``."""

    method: Method
    path: str = Field(pattern=r"^/")
    reference_id: str = Field(alias="referenceId", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
    body: dict[str, Any] | None = None


class SubResponse(_Model):
    """One answer of ``compositeResponse``."""

    body: Any = None
    status: int = Field(alias="httpStatusCode")
    reference_id: str = Field(alias="referenceId")
