"""The server's error tree; one middleware shapes every one of them into JSON."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class CuecardError(Exception):
    """Root of every error the server reports to a client.

    ``code`` is a stable string clients may branch on; ``field`` names the offending input
    where there is one; ``status`` is the HTTP status used when it reaches the REST API.
    """

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        """The JSON body (REST) or ``error`` event payload (Socket.IO)."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidInput(CuecardError):
    """The request's body or one of its fields failed validation."""

    code = "invalid_input"
    status = 422


class PayloadRejected(InvalidInput):
    """A platform's message (pushed or pulled) can never be mapped to events; retrying it
    will not help."""

    code = "payload_invalid"


class MalformedBody(CuecardError):
    """The body is not parseable JSON."""

    code = "malformed_body"
    status = 400


class BodyTooLarge(CuecardError):
    """The body exceeds the configured limit."""

    code = "body_too_large"
    status = 413


class Unauthenticated(CuecardError):
    """No credentials, or credentials that do not verify."""

    code = "unauthenticated"
    status = 401


class TokenExpired(Unauthenticated):
    """The session token verified but has expired."""

    code = "token_expired"


class Forbidden(CuecardError):
    """Authenticated, but not allowed to touch this resource."""

    code = "forbidden"
    status = 403


class CsrfRejected(Forbidden):
    """An admin session's unsafe request without the session's CSRF token."""

    code = "csrf_rejected"


class NotAssigned(Forbidden):
    """An agent's widget asked for a conversation that is not theirs (yet)."""

    code = "not_assigned"


class NotFound(CuecardError):
    """No such resource for this tenant."""

    code = "not_found"
    status = 404


class Conflict(CuecardError):
    """The resource already exists."""

    code = "conflict"
    status = 409


class TooManyAttempts(CuecardError):
    """Too many failed sign-ins for this email or address; ``retry_after`` is in seconds."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(CuecardError):
    """Too many requests of one kind from one agent or connection in a short time."""

    code = "rate_limited"
    status = 429


class InProgress(CuecardError):
    """Another delivery of an event is being processed right now: retry, it is not done yet.

    ``retry_after`` is in seconds; ``results`` says what became of the events before it.
    """

    code = "in_progress"
    status = 503

    def __init__(
        self,
        message: str,
        *,
        retry_after: int,
        field: str | None = None,
        results: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
        self.results = results or []

    def to_dict(self) -> dict[str, Any]:
        """The error body, with the results of the events processed before this one."""
        return {**super().to_dict(), "results": self.results}


class Unavailable(CuecardError):
    """A backing service (database, Redis) is unreachable."""

    code = "unavailable"
    status = 503


_TAG_ERRORS = {"union_tag_invalid", "union_tag_not_found"}


def invalid_input(err: ValidationError, *, prefix: str = "", tagged: bool = False) -> InvalidInput:
    """An InvalidInput naming the first field pydantic rejected, e.g. ``events[2].text``.

    ``tagged`` says the model is a discriminated union: pydantic then puts the tag first in
    each location (``message.text``), which is not a field the client sent.
    """
    first = err.errors()[0]
    loc = list(first["loc"])
    if first["type"] in _TAG_ERRORS:
        loc.append(str(first.get("ctx", {}).get("discriminator", "")).strip("'"))
    elif tagged and loc:
        loc = loc[1:]
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return InvalidInput(first["msg"], field=path or None)
