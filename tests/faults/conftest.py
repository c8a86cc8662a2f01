"""Two real ``cuecard serve`` nodes on a Redis and a PostgreSQL of their own, widgets on both,
and a platform delivering conversations while the test breaks things."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server.auth.tokens import TokenService
from tests.faults.platform import Platform, assigned, message
from tests.faults.widget import FaultWidget
from tests.fixtures.app import SECRET, seed_tenants
from tests.fixtures.nodes import NodeProcess, node_processes
from tests.fixtures.postgres import PostgresCluster
from tests.fixtures.redis import RedisProcess

# Every acknowledged line must be on every widget of its conversation within this long after
# the fault is over: a reconnect, a catch-up and a loaded machine.
SHOWN_WITHIN_SECONDS = 45.0


@dataclass
class Conversation:
    """A conversation, its agent's widgets (one per node) and the lines acknowledged in it."""

    conversation_id: str
    widgets: list[FaultWidget]
    acknowledged: list[str] = field(default_factory=list)
    said: int = 0


@dataclass
class Cluster:
    redis: RedisProcess
    postgres: PostgresCluster
    nodes: list[NodeProcess]
    api_key: str

    @property
    def urls(self) -> list[str]:
        return [node.base_url for node in self.nodes]

    def platform(self, urls: Sequence[str] | None = None) -> Platform:
        return Platform(list(urls or self.urls), self.api_key)

    async def conversations(self, platform: Platform, count: int) -> list[Conversation]:
        """``count`` conversations, each assigned to its agent, whose widget is open on every
        node (as the agent's desktop might open it twice behind a load balancer)."""
        tokens = TokenService(SECRET, 3600)
        opened = []
        for index in range(count):
            conversation_id, agent = f"conv-{index}", f"agent-{index}"
            await platform.deliver(assigned(conversation_id, agent))
            token = tokens.mint("acme", agent)
            widgets = [
                FaultWidget(self.urls, token, conversation_id, first=node)
                for node in range(len(self.nodes))
            ]
            await asyncio.gather(*(widget.open() for widget in widgets))
            opened.append(Conversation(conversation_id, widgets))
        return opened


@pytest.fixture
async def cluster(
    own_redis: RedisProcess, postgres_cluster: PostgresCluster, tmp_path: Path
) -> AsyncIterator[Cluster]:
    name = f"faults_{secrets.token_hex(4)}"
    database_url = postgres_cluster.create_database(name)
    keys = await seed_tenants(database_url)
    env = {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "CUECARD_DATABASE_URL": database_url,
        "CUECARD_REDIS_URL": own_redis.url,
        "CUECARD_LOG_LEVEL": "WARNING",
        "CUECARD_TRANSCRIPT_MAX_LINES": "1000",
    }
    with node_processes(env, tmp_path) as nodes:
        yield Cluster(own_redis, postgres_cluster, nodes, keys["acme"])
    postgres_cluster.drop_database(name)


async def talk(
    platform: Platform, conversations: list[Conversation], lines: int, every: float = 0.05
) -> None:
    """Each conversation says ``lines`` more lines, one after the other's acknowledgement,
    alternating nodes; every fifth is the customer's (which brings suggestions)."""

    async def one(conversation: Conversation) -> None:
        for _ in range(lines):
            conversation.said += 1
            event_id = f"{conversation.conversation_id}-line-{conversation.said}"
            body = message(
                event_id,
                conversation.conversation_id,
                f"line {conversation.said}: my router keeps dropping",
                customer=conversation.said % 5 == 0,
            )
            await platform.deliver(body, node=conversation.said % len(platform.urls))
            conversation.acknowledged.append(event_id)
            await asyncio.sleep(every)

    await asyncio.gather(*(one(conversation) for conversation in conversations))


async def assert_shown_exactly_once_in_order(conversations: list[Conversation]) -> None:
    """Every acknowledged line on every widget of its conversation, once, in order."""
    for conversation in conversations:
        for widget in conversation.widgets:
            await widget.wait_showing(conversation.acknowledged, SHOWN_WITHIN_SECONDS)
            assert widget.shown() == conversation.acknowledged, conversation.conversation_id


async def close(conversations: list[Conversation]) -> None:
    await asyncio.gather(*(w.close() for c in conversations for w in c.widgets))
