"""Errors raised by provider adapters, classified so the server knows how to react."""

from __future__ import annotations


class ProviderError(Exception):
    """Root of every provider failure; ``code`` is stable and may reach clients."""

    code = "provider_error"


class ProviderNotReady(ProviderError):
    """The platform is unreachable for now; retry with capped back-off.

    ``retry_after`` (seconds) is set when the adapter knows when trying again makes sense.
    """

    code = "provider_not_ready"

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderAuthFailed(ProviderError):
    """The platform refused our credentials; stop and surface it to the admin."""

    code = "provider_auth_failed"


class ProviderConfigError(ProviderError):
    """The adapter's settings are wrong; permanent until an admin fixes them."""

    code = "provider_config_error"


class SignatureInvalid(ProviderError):
    """A pushed request did not carry a valid signature."""

    code = "signature_invalid"


class PayloadInvalid(ProviderError):
    """A pushed payload or desktop message can never be mapped; retrying will not help."""

    code = "payload_invalid"


class AgentTokenRejected(ProviderAuthFailed):
    """The platform refused an agent's token (expired or revoked): the agent signs in again."""

    code = "agent_token_rejected"


class WrongOrganization(ProviderError):
    """An agent signed in to another organization than the tenant's integration names."""

    code = "wrong_organization"


class ActionRefused(ProviderError):
    """The platform refused an agent action (not the agent's conversation, bad input...)."""

    code = "action_refused"


class BridgeRefused(ProviderError):
    """A desktop message the signed-in agent may not hand in (another agent's desktop...)."""

    code = "bridge_refused"
