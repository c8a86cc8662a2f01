"""A small platform and its adapter, to exercise stored integrations end to end.

The platform is an aiohttp app holding canonical events per bearer token; the adapter polls
it. It follows the real contract: ``check`` probes with the token, ``listen`` raises
``ProviderAuthFailed`` on 401 and ``ProviderNotReady`` when the platform is unreachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
from aiohttp import web
from pydantic import AnyHttpUrl, SecretStr

from providers.base import ConnectionState, ConnectionStatus, ProviderSettings, StatusListener
from providers.errors import ProviderAuthFailed, ProviderNotReady
from providers.models import Event, parse_event
from providers.registry import AdapterSpec

POLL_SECONDS = 0.02


class RelaySettings(ProviderSettings):
    """Where the platform is and the token it wants."""

    url: AnyHttpUrl
    token: SecretStr
    region: str = "test"


@dataclass
class RelayPlatform:
    """What the platform holds: the accepted token and events waiting per tenant."""

    token: str
    url: str = ""
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    polls: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/events/{tenant}", self._events)
        return app

    async def _events(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": "token refused"}, status=401)
        self.polls += 1
        waiting = self.pending.pop(request.match_info["tenant"], [])
        return web.json_response(waiting)


class RelayAdapter:
    """Polls the relay platform for the tenant's events."""

    name: ClassVar[str] = "relay"

    def __init__(self, settings: RelaySettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._listeners: list[StatusListener] = []
        self.closed = False

    def watch_status(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    async def check(self) -> None:
        await self._fetch()

    async def listen(self) -> AsyncIterator[Event]:
        first = await self._fetch()
        for listener in self._listeners:
            listener(ConnectionStatus(state=ConnectionState.CONNECTED))
        while not self.closed:
            for item in first or await self._fetch():
                yield parse_event(item)
            first = []
            await asyncio.sleep(POLL_SECONDS)

    async def aclose(self) -> None:
        self.closed = True
        if self._session is not None:
            await self._session.close()

    async def _fetch(self) -> list[dict[str, Any]]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = f"{str(self._settings.url).rstrip('/')}/events/{self._settings.tenant_id}"
        headers = {"Authorization": f"Bearer {self._settings.token.get_secret_value()}"}
        try:
            async with self._session.get(url, headers=headers) as response:
                if response.status == 401:
                    raise ProviderAuthFailed("the relay refused the token (401)")
                events: list[dict[str, Any]] = await response.json()
                return events
        except aiohttp.ClientConnectionError as err:
            raise ProviderNotReady(f"relay unreachable at {url}: {err}") from err


SPEC = AdapterSpec(name="relay", adapter_cls=RelayAdapter, settings_cls=RelaySettings, kind="pull")
