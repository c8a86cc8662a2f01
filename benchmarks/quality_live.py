"""The live path the quality benchmark scores: a real server, real ingest, a real Socket.IO widget.

``LiveServer`` builds the app with ``create_app`` (so the knowledge engine is whatever
``server/wiring.py`` builds), seeds one tenant per knowledge base through the store, serves it
on a loopback port, and takes events through ``POST /api/v1/events`` with the tenant's API key.
``LiveWidget`` is a python-socketio client on ``/agent`` holding an agent token; it records the
``suggestions``, ``steps`` and ``entities`` pushes of each conversation in arrival order.
"""

from __future__ import annotations

import secrets
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import socketio
from aiohttp import web
from pydantic import SecretStr

from server.app import create_app
from server.assist.base import SearchRequest
from server.auth.tokens import TokenService
from server.config import Settings
from server.kb.loader import load_folder
from server.keys import ASSISTANT
from server.store.database import Store

NAMESPACE = "/agent"
PROVIDER = "quality-bench"
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TIMEOUT = 30


def tenant_for(kb: str) -> str:
    """The benchmark tenant that owns knowledge base ``kb``."""
    return f"quality-{kb}"


@dataclass
class Pushes:
    """What the widget received for one conversation, in order: (event name, payload)."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class LiveWidget:
    """One agent's widget: joins conversations and records what the server pushes to them."""

    def __init__(self, client: socketio.AsyncClient) -> None:
        self._client = client
        self.pushes: dict[str, Pushes] = defaultdict(Pushes)
        for name in ("suggestions", "steps", "entities"):
            client.on(name, self._recorder(name), namespace=NAMESPACE)

    def _recorder(self, name: str) -> Any:
        async def record(payload: dict[str, Any]) -> None:
            self.pushes[payload["conversation_id"]].events.append((name, payload))

        return record

    async def call(self, event: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Emit a client event and return the server's acknowledgement."""
        reply: dict[str, Any] = await self._client.call(
            event, dict(data), namespace=NAMESPACE, timeout=TIMEOUT
        )
        if not reply.get("ok"):
            raise RuntimeError(f"{event} refused: {reply.get('error')}")
        return reply

    async def join(self, conversation_id: str) -> None:
        """Show a conversation (the server answers with a snapshot, ignored here)."""
        await self.call("join", {"conversation_id": conversation_id})

    async def barrier(self) -> None:
        """Wait until every push the server made so far has arrived.

        Socket.IO delivers one connection's packets in order, so the acknowledgement of an
        event sent now arrives after everything the server emitted before handling it.
        """
        await self.call("leave", {"conversation_id": "quality-barrier"})

    async def close(self) -> None:
        """Disconnect."""
        await self._client.disconnect()


class LiveServer:
    """A cuecard app on a loopback port with one seeded tenant per knowledge base."""

    def __init__(self, knowledge_bases: Mapping[str, Path]) -> None:
        self._knowledge_bases = knowledge_bases
        self._folder = tempfile.TemporaryDirectory(prefix="cuecard-quality-")
        secret = SecretStr(secrets.token_urlsafe(48))
        database = Path(self._folder.name) / "quality.db"
        self._settings = Settings(
            secret_key=secret,
            database_url=f"sqlite+aiosqlite:///{database}",
            redis_url=None,
            argon2_time_cost=1,
            argon2_memory_kib=8,
            argon2_parallelism=1,
        )
        self._tokens = TokenService(secret, 3600)
        self._keys: dict[str, str] = {}
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.base_url = ""

    async def __aenter__(self) -> LiveServer:
        await self._seed()
        app = create_app(self._settings)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()
        self._folder.cleanup()

    async def _seed(self) -> None:
        store = await Store.connect(self._settings.database_url)
        try:
            await store.migrate()
            for kb_name, folder in self._knowledge_bases.items():
                tenant = tenant_for(kb_name)
                await store.tenants.create(tenant, tenant.title(), ["https://quality.example"])
                _, self._keys[tenant] = await store.api_keys.create(tenant)
                kb = await store.knowledge_bases.create(tenant, kb_name, is_default=True)
                documents = load_folder(folder, base_url=f"https://{kb_name}.example/help/")
                await store.documents.upsert_many(kb, documents)
        finally:
            await store.aclose()

    async def widget(self, tenant: str) -> LiveWidget:
        """A connected widget for an agent of ``tenant``."""
        client = socketio.AsyncClient(reconnection=False)
        widget = LiveWidget(client)
        await client.connect(
            self.base_url,
            namespaces=[NAMESPACE],
            auth={"token": self._tokens.mint(tenant, "quality-agent", supervisor=True)},
            transports=["websocket"],
            wait_timeout=TIMEOUT,
        )
        return widget

    async def say(
        self, tenant: str, conversation_id: str, seq: int, speaker: str, text: str
    ) -> None:
        """Post one chat line through the ingest API, as a platform would."""
        assert self._http is not None
        event = {
            "kind": "message",
            "tenant_id": tenant,
            "provider": PROVIDER,
            "provider_event_id": f"{conversation_id}-e{seq}",
            "conversation_id": conversation_id,
            "occurred_at": (START + timedelta(seconds=20 * seq)).isoformat(),
            "speaker": speaker,
            "text": text,
        }
        headers = {"Authorization": f"Bearer {self._keys[tenant]}"}
        url = f"{self.base_url}/api/v1/events"
        async with self._http.post(url, json=event, headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"ingest refused: {response.status} {await response.text()}")

    async def search(self, tenant: str, text: str, limit: int) -> list[str]:
        """Document ids the engine ranks for ``text`` typed as one search (no length cap)."""
        assert self._runner is not None
        engine = self._runner.app[ASSISTANT]
        results = await engine.search(SearchRequest(tenant_id=tenant, query=text, limit=limit))
        return [item.source.document_id for item in results]
