"""Queue watching follows the manifest's capability, never a setting's name.

A platform declaring ``Capability.QUEUE_WATCHING`` gets the queues admins mapped for it when
its adapter is built, and follows later mappings without a restart. A platform that does not
declare it is left alone when mappings change, even if its settings have a ``queue_ids``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

import pytest
from aiohttp.test_utils import TestClient
from pydantic import Field

from providers.base import Capability
from server.app import create_app
from server.config import Settings
from tests.fixtures.relay import RELAY, RELAY_TOKEN, RelayAdapter, RelayPlatform, RelaySettings
from tests.server.api.test_knowledge import auth, new_kb
from tests.server.integrations.test_api import create
from tests.server.integrations.test_supervisor import state_of


class QueueRelayAdapter(RelayAdapter):
    """The relay adapter, recording the queues it is built with and told to follow."""

    built: ClassVar[list[QueueRelayAdapter]] = []

    def __init__(self, settings: RelaySettings, *, queues: tuple[str, ...] = ()) -> None:
        super().__init__(settings)
        self.queues = queues
        self.followed: list[list[str]] = []
        self.built.append(self)

    async def watch_queues(self, queue_ids: Sequence[str]) -> None:
        self.followed.append(list(queue_ids))


class QueueIdsSettings(RelaySettings):
    """Relay settings that happen to have a field called queue_ids."""

    queue_ids: tuple[str, ...] = Field(default=(), description="Not a capability.")


class PlainRelayAdapter(RelayAdapter):
    built: ClassVar[list[PlainRelayAdapter]] = []

    def __init__(self, settings: RelaySettings) -> None:
        super().__init__(settings)
        self.built.append(self)


WATCHING = dataclasses.replace(
    RELAY,
    capabilities=RELAY.capabilities | {Capability.QUEUE_WATCHING},
    adapter=QueueRelayAdapter,
)
NOT_WATCHING = dataclasses.replace(RELAY, settings=QueueIdsSettings, adapter=PlainRelayAdapter)


@pytest.fixture
def app_with(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    settings: Settings,
    api_keys: dict[str, str],
) -> Callable[..., Awaitable[TestClient[Any, Any]]]:
    QueueRelayAdapter.built.clear()
    PlainRelayAdapter.built.clear()

    async def start(manifest: Any) -> TestClient[Any, Any]:
        return await aiohttp_client(create_app(settings, platforms={"relay": manifest}))

    return start


async def map_queue(client: TestClient[Any, Any], key: str, queue: str, kb_id: str) -> None:
    response = await client.put(
        f"/api/v1/queue-mappings/relay/{queue}", json={"kb_id": kb_id}, headers=auth(key)
    )
    assert response.status in (200, 201), await response.text()


async def test_the_mapped_queues_reach_the_adapter_and_it_follows_new_ones(
    app_with: Any, api_keys: dict[str, str], relay: RelayPlatform
) -> None:
    client = await app_with(WATCHING)
    key = api_keys["acme"]
    kb_id = await new_kb(client, key, "billing")
    await map_queue(client, key, "billing", kb_id)
    await create(client, key, url=relay.url, token=RELAY_TOKEN)
    await state_of(client, "acme", "connected")
    [adapter] = QueueRelayAdapter.built
    assert adapter.queues == ("billing",)

    await map_queue(client, key, "vip", kb_id)

    assert adapter.followed == [["billing", "vip"]]
    assert QueueRelayAdapter.built == [adapter]  # followed without a restart


async def test_a_setting_called_queue_ids_is_not_a_capability(
    app_with: Any, api_keys: dict[str, str], relay: RelayPlatform
) -> None:
    client = await app_with(NOT_WATCHING)
    key = api_keys["acme"]
    kb_id = await new_kb(client, key, "billing")
    await create(client, key, url=relay.url, token=RELAY_TOKEN, queue_ids=["billing"])
    await state_of(client, "acme", "connected")

    await map_queue(client, key, "vip", kb_id)

    assert len(PlainRelayAdapter.built) == 1  # not restarted by the mapping change
