"""The outbox outlives the server: a real ``cuecard serve`` killed between accepting a
conversation's end and writing its Task writes the Task exactly once after a restart."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from server.auth.tokens import TokenService
from tests.doubles.salesforce.world import SalesforceWorld
from tests.fixtures.app import SECRET, open_widget, seed_tenants
from tests.fixtures.nodes import Node, running_node
from tests.fixtures.salesforce import AGENT_ID, host_message, integration_body

from .conftest import auth, new_session

# The writer's lease on a row: a dead node's row is taken over within it.
LEASE_SECONDS = 15


@pytest.fixture
def node_env(tmp_path: Path) -> dict[str, str]:
    return {
        "CUECARD_SECRET_KEY": SECRET.get_secret_value(),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}",
        "CUECARD_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
async def api_key(node_env: dict[str, str]) -> str:
    return (await seed_tenants(node_env["DATABASE_URL"]))["acme"]


async def until(check: Any, within: float) -> None:
    async with asyncio.timeout(within):
        while True:
            if check():
                return
            await asyncio.sleep(0.05)


async def hand_in(node: Node, messages: list[dict[str, Any]]) -> None:
    """The agent's widget forwards the component's messages, as in Lightning."""
    widget = await open_widget(node.base_url, TokenService(SECRET, 3600).mint("acme", AGENT_ID))
    try:
        for message in messages:
            ack = await widget.call("bridge.event", {"platform": "salesforce", "message": message})
            assert ack["ok"], ack
    finally:
        await widget.client.disconnect()


def task_calls(world: SalesforceWorld) -> list[int]:
    """Statuses of the Task upserts the double answered."""
    return [status for _, path, status in world.requests if "/sobjects/Task/" in path]


# Killed while its upsert is in flight: before the org applied it (the restarted server creates
# the Task), or after (the answer was lost; the restarted server's upsert by external id
# updates the same Task instead of creating a second one).
MOMENTS = {"before Salesforce applied it": [503, 201], "after Salesforce applied it": [201, 200]}


@pytest.mark.parametrize("moment", MOMENTS)
async def test_a_server_killed_mid_write_writes_the_task_once_after_restart(
    node_env: dict[str, str],
    api_key: str,
    salesforce_double: TestServer,
    salesforce_world: SalesforceWorld,
    tmp_path: Path,
    moment: str,
) -> None:
    world = salesforce_world
    session_id, case_id = new_session(world)
    world.faults.stall = "/sobjects/Task/"
    world.faults.stall_after_applying = moment.startswith("after")

    with running_node(node_env, tmp_path / "first.log") as node:
        async with aiohttp.ClientSession() as http:
            created = await http.post(
                f"{node.base_url}/api/v1/integrations",
                json=integration_body(salesforce_double),
                headers=auth(api_key),
            )
            assert created.status == 201, await created.text()
        await hand_in(
            node, [host_message("context", session_id), host_message("ended", session_id)]
        )
        # Accepted (acknowledged) and being written: the Task upsert is in flight. Kill.
        await until(lambda: world.faults.stalled == 1, within=20)
        os.kill(node.process.pid, signal.SIGKILL)
        node.process.wait(timeout=10)

    world.faults.stall = None
    world.faults.stall_lifted.set()  # the dead server's request is answered to no one
    assert len(world.records.get("Task", {})) == (1 if world.faults.stall_after_applying else 0)

    expected = MOMENTS[moment]
    with running_node(node_env, tmp_path / "second.log"):
        await until(lambda: task_calls(world) == expected, within=LEASE_SECONDS + 20)
        await asyncio.sleep(1.0)  # nothing more follows

    [task] = world.records["Task"].values()
    assert (task["WhatId"], task["Cuecard_Id__c"]) == (case_id, f"{session_id}-{AGENT_ID}")
    assert task_calls(world) == expected
