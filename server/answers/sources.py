"""Where a conversation's LLM endpoint comes from: the seam to the integration storage."""

from __future__ import annotations

from typing import Protocol

from server.answers.models import LlmEndpoint


class LlmIntegrationSource(Protocol):
    """Looks up a tenant's LLM integration, with its API key decrypted.

    Example::

        endpoint = await source.get("acme", route.llm_integration_id)
        if endpoint is None:
            ...  # no LLM: the extractive answer is the answer

    ``integration_id`` None asks for the tenant's default integration, if it has one.
    """

    async def get(self, tenant_id: str, integration_id: str | None) -> LlmEndpoint | None:
        """The endpoint, or None when the tenant has no such (or no default) integration."""


class NoLlmIntegrations:
    """The source used until integrations are stored: every answer stays extractive."""

    async def get(self, tenant_id: str, integration_id: str | None) -> LlmEndpoint | None:
        return None
