"""Salesforce failures, classified, and the REST API's JSON error array parsed into them.

The REST API answers errors with a JSON array (protocols.md 7.3)::

    [{"message": "No such column 'Foo__c' on sobject of type Task",
      "errorCode": "INVALID_FIELD", "fields": ["Foo__c"]}]

Each error here keeps those items, and its message names the error codes and the fields so an
admin (or the outbox's dead-letter view) sees what to fix. No message carries a token.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from providers.errors import (
    ProviderAuthFailed,
    ProviderConfigError,
    ProviderError,
    ProviderNotReady,
)


class ApiErrorItem(BaseModel):
    """One entry of the error array."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    message: str = ""
    error_code: str = Field(default="UNKNOWN_ERROR", alias="errorCode")
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        """``INVALID_FIELD on Foo__c: No such column ...``."""
        where = f" on {', '.join(self.fields)}" if self.fields else ""
        return f"{self.error_code}{where}: {self.message}".rstrip(": ")


class RecordRejected(ProviderError):
    """Salesforce refused a request for good (validation, unknown field, no such record).

    Retrying the same request will not help; ``fields`` names what was wrong.
    """

    code = "salesforce_rejected"

    def __init__(self, action: str, status: int, items: tuple[ApiErrorItem, ...]) -> None:
        details = "; ".join(item.describe() for item in items) or f"HTTP {status}"
        super().__init__(f"Salesforce refused {action}: {details}")
        self.status = status
        self.items = items

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field the errors name, in order."""
        return tuple(name for item in self.items for name in item.fields)

    @property
    def error_codes(self) -> tuple[str, ...]:
        """The errors' ``errorCode`` values."""
        return tuple(item.error_code for item in self.items)


class ApiLimitExceeded(ProviderNotReady):
    """The org's API limit is exceeded (REQUEST_LIMIT_EXCEEDED) and the back-off budget is
    spent: keep the write and try again later."""

    code = "salesforce_limit_exceeded"


class SessionRejected(ProviderAuthFailed):
    """Salesforce refused a freshly minted session too (INVALID_SESSION_ID twice)."""

    code = "salesforce_session_rejected"


class GrantRefused(ProviderAuthFailed):
    """The token endpoint refused the JWT bearer assertion or an agent's code."""

    code = "salesforce_grant_refused"


def error_items(body: Any) -> tuple[ApiErrorItem, ...]:
    """The error array of a response body; a lone object counts as a one-item array."""
    entries = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    items = []
    for entry in entries:
        try:
            items.append(ApiErrorItem.model_validate(entry))
        except ValidationError:
            continue
    return tuple(items)


def has_code(body: Any, code: str) -> bool:
    """Whether the error array carries ``code``."""
    return any(item.error_code == code for item in error_items(body))


def grant_error(username: str, status: int, body: Any) -> Exception:
    """The error for a refused JWT bearer grant, with what the admin should check."""
    fields = body if isinstance(body, dict) else {}
    error = str(fields.get("error") or status)
    description = str(fields.get("error_description") or "")
    said = f"{error}: {description}" if description else error
    if status >= 500:
        return ProviderNotReady(f"Salesforce's token endpoint answered {status}")
    hint = _GRANT_HINTS.get(description.lower()) or _GRANT_HINTS.get(error, "")
    message = f"Salesforce refused the JWT bearer sign-in as {username} ({said})"
    if error in {"invalid_client_id", "invalid_client"} or "audience" in description.lower():
        return ProviderConfigError(f"{message} — {hint}")
    return GrantRefused(f"{message} — {hint}" if hint else message)


_GRANT_HINTS = {
    "invalid_client_id": "check consumer_key (the External Client App's consumer key)",
    "invalid_client": "check consumer_key (the External Client App's consumer key)",
    "audience is invalid": "check login_url (https://test.salesforce.com for a sandbox)",
    "invalid assertion": "the certificate uploaded to the External Client App does not match "
    "private_key",
    "user hasn't approved this consumer": "pre-authorize the integration user for the "
    "External Client App (its permission set or profile)",
    "invalid_app_access": "the integration user is not admin-approved for the External Client App",
    "user is not admin approved to access this app": "assign the integration user the "
    "permission set the External Client App pre-authorizes",
}
