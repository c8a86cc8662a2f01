"""The real app with an in-test LLM integration source pointing at the OpenAI-compatible double."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from server.answers.models import LlmEndpoint
from server.app import create_app
from server.config import Settings
from tests.fixtures.llm import API_KEY, MODEL, FakeLlm, fake_llm  # noqa: F401

# Short limits keep the timeout tests quick; a real integration would use the defaults.
TIMEOUT_SECONDS = 2.0
FIRST_TOKEN_SECONDS = 0.5


@dataclass
class InTestSource:
    """Endpoints by (tenant, integration id); records every lookup."""

    endpoints: dict[tuple[str, str | None], LlmEndpoint] = field(default_factory=dict)
    asked: list[tuple[str, str | None]] = field(default_factory=list)

    async def get(self, tenant_id: str, integration_id: str | None) -> LlmEndpoint | None:
        self.asked.append((tenant_id, integration_id))
        return self.endpoints.get((tenant_id, integration_id))


def endpoint_for(llm: FakeLlm, **overrides: Any) -> LlmEndpoint:
    """An endpoint on the double, with the double's key unless overridden."""
    values: dict[str, Any] = {
        "base_url": llm.base_url,
        "model": MODEL,
        "api_key": SecretStr(API_KEY),
        "timeout_seconds": TIMEOUT_SECONDS,
        "first_token_seconds": FIRST_TOKEN_SECONDS,
    }
    values.update(overrides)
    return LlmEndpoint(**values)


@pytest.fixture
def llm_source(fake_llm: FakeLlm) -> InTestSource:  # noqa: F811
    """acme's default integration is the double; globex has none."""
    return InTestSource({("acme", None): endpoint_for(fake_llm)})


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
    llm_source: InTestSource,
) -> TestClient[Any, Any]:
    """The running server, its LLM integrations looked up in ``llm_source``."""
    return await aiohttp_client(create_app(settings, llm_integrations=llm_source))
