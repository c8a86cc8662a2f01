"""A real ``cuecard serve`` with widgets connected stops at once on SIGTERM, and every widget
is told why and sees its connection close (so socket.io-client reconnects, maybe elsewhere)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import socketio

from server.auth.tokens import TokenService
from tests.fixtures.app import SECRET, seed_tenants
from tests.fixtures.nodes import running_node

WIDGETS = 20
# Well under the 30-45 s sockets used to linger for, with room for a loaded machine.
EXIT_WITHIN_SECONDS = 10


class Listener:
    """A widget that notes ``closing`` and its disconnect, and does not reconnect."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.closing: list[Any] = []
        self.gone = asyncio.Event()
        self.client.on("closing", self.closing.append, namespace="/agent")
        self.client.on("disconnect", lambda *reason: self.gone.set(), namespace="/agent")


async def test_sigterm_with_widgets_connected_exits_at_once(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cuecard.db'}"
    await seed_tenants(database_url)
    env = {"CUECARD_SECRET_KEY": SECRET.get_secret_value(), "DATABASE_URL": database_url}
    tokens = TokenService(SECRET, 3600)
    with running_node(env, tmp_path / "node.log") as node:
        widgets = [Listener() for _ in range(WIDGETS)]
        for index, widget in enumerate(widgets):
            await widget.client.connect(
                node.base_url,
                namespaces=["/agent"],
                auth={"token": tokens.mint("acme", f"agent-{index}")},
                transports=["websocket"],
                wait_timeout=10,
            )

        node.process.terminate()
        # Raises subprocess.TimeoutExpired if the server lingers.
        exit_code = await asyncio.to_thread(node.process.wait, EXIT_WITHIN_SECONDS)
        await asyncio.wait_for(asyncio.gather(*(w.gone.wait() for w in widgets)), 5)

    assert exit_code == 0
    assert [len(w.closing) for w in widgets] == [1] * WIDGETS
    assert {w.closing[0]["reason"] for w in widgets} == {"server_shutdown"}
    assert not any(w.client.connected for w in widgets)
