"""Where a conversation's LLM endpoint comes from: the seam to the integration storage."""

from __future__ import annotations

import logging
from typing import Protocol

from pydantic import SecretStr

from server.answers.models import LlmEndpoint
from server.secret_box import SecretBox, SecretUnreadable
from server.store.database import Store

log = logging.getLogger(__name__)


class LlmIntegrationSource(Protocol):
    """Looks up a tenant's LLM integration, with its API key decrypted.

    Example::

        endpoint = await source.get("acme", route.llm_integration_id)
        if endpoint is None:
            ...  # no LLM: the extractive answer is the answer

    ``integration_id`` None asks for the tenant's default integration, if it has one; that
    look-up is awaited while the event is processed, so it must not wait on I/O (the stored
    integrations have no default). A named integration is looked up in the background.
    """

    async def get(self, tenant_id: str, integration_id: str | None) -> LlmEndpoint | None:
        """The endpoint, or None when the tenant has no such (or no default) integration."""


class StoredLlmIntegrations:
    """Integrations from the store, their API keys opened only for the request that needs them."""

    def __init__(self, store: Store, box: SecretBox) -> None:
        self._store = store
        self._box = box

    async def get(self, tenant_id: str, integration_id: str | None) -> LlmEndpoint | None:
        if integration_id is None:
            return None  # integrations are chosen per queue mapping; there is no tenant default
        store = self._store
        integration = await store.llm_integrations.get(tenant_id, integration_id)
        sealed = await store.llm_integrations.sealed_api_key(tenant_id, integration_id)
        if integration is None or sealed is None:
            return None
        try:
            api_key = self._box.open(sealed)
        except SecretUnreadable:
            # Typically a changed CUECARD_SECRET_KEY; the extractive answer stands meanwhile.
            log.warning("LLM integration %s of %s has an unreadable key", integration_id, tenant_id)
            return None
        return LlmEndpoint(
            base_url=integration.base_url, model=integration.model, api_key=SecretStr(api_key)
        )
