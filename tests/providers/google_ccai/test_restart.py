"""A server killed before acknowledging: Pub/Sub redelivers, the restarted server shows it once."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from server.auth.tokens import TokenService
from tests.fixtures.app import SECRET, open_widget, seed_tenants
from tests.fixtures.nodes import Node, running_node
from tests.fixtures.pubsub import PROJECT, PubsubWorld
from tests.providers.google_ccai.conftest import fixture_bytes

CONVERSATION = "5f1b7c2e-conv"
# Published without an ordering key: the emulator never releases a key whose message was
# leased by a stream that died (Pub/Sub redelivers it when the lease runs out).


EMULATOR_SECONDS = 150


@pytest.fixture
def node_env(tmp_path: Path) -> dict[str, str]:
    return {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}",
        "CUECARD_LOG_LEVEL": "WARNING",
    }


async def connected(session: aiohttp.ClientSession, node: Node, key: str) -> None:
    """Wait until the node's Google CCAI integration has its stream open."""
    async with asyncio.timeout(60):
        while True:
            async with session.get(
                f"{node.base_url}/api/v1/health", headers={"Authorization": f"Bearer {key}"}
            ) as response:
                connections = (await response.json())["connections"]
            if connections and connections[0]["state"] == "connected":
                return
            await asyncio.sleep(0.1)


async def duplicates_dropped(
    session: aiohttp.ClientSession, node: Node, key: str, count: int
) -> None:
    """Wait until the node's health view counts ``count`` duplicate events dropped."""
    async with asyncio.timeout(EMULATOR_SECONDS):
        while True:
            async with session.get(
                f"{node.base_url}/api/v1/health", headers={"Authorization": f"Bearer {key}"}
            ) as response:
                minutes = (await response.json())["minutes"]
            if sum(minute["duplicate"] for minute in minutes) >= count:
                return
            await asyncio.sleep(0.1)


async def test_a_message_taken_by_a_killed_server_is_shown_once_after_restart(
    node_env: dict[str, str], pubsub: PubsubWorld, tmp_path: Path
) -> None:
    keys = await seed_tenants(node_env["DATABASE_URL"])
    auth = {"Authorization": f"Bearer {keys['acme']}"}
    settings = {
        "project_id": PROJECT,
        "subscriptions": [pubsub.subscription_id],
        "emulator_host": pubsub.host,
        "conversation_id_prefix": "gc-",
        "redeliver_after_seconds": 10,
    }
    async with aiohttp.ClientSession() as session:
        with running_node(node_env, tmp_path / "first.log") as first:
            body = {"provider": "google_ccai", "name": "Agent Assist", "settings": settings}
            async with session.post(
                f"{first.base_url}/api/v1/integrations", json=body, headers=auth
            ) as response:
                assert response.status == 201, await response.text()
            await connected(session, first, keys["acme"])
            # Frozen with its stream open: the message is handed to it and never acknowledged.
            os.kill(first.process.pid, signal.SIGSTOP)
            await pubsub.publish(fixture_bytes("new_message_end_user.json"))
            await asyncio.sleep(1)
            first.process.kill()
            first.process.wait(timeout=15)

        with running_node(node_env, tmp_path / "second.log") as second:
            widget = await open_widget(
                second.base_url, TokenService(SECRET, 3600).mint("acme", "agent-1", supervisor=True)
            )
            await widget.call("join", {"conversation_id": CONVERSATION})
            await widget.next("snapshot")
            await connected(session, second, keys["acme"])
            # Dialogflow publishing the same message again changes nothing either.
            await pubsub.publish(fixture_bytes("new_message_end_user.json"))
            line = await widget.next("transcript", within=EMULATOR_SECONDS)
            # The copy the killed server held comes back once its lease lapses; once it too has
            # been dropped, a fresh join shows what an agent opening the conversation would see.
            await duplicates_dropped(session, second, keys["acme"], 1)
            await widget.call("join", {"conversation_id": CONVERSATION})
            snapshot = await widget.next("snapshot")
            await widget.client.disconnect()

    assert line["line"]["speaker"] == "customer"
    assert [entry["speaker"] for entry in snapshot["transcript"]] == ["customer"]
    assert widget.pending("transcript") == 0
