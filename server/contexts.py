"""cleanup_ctx generators: each opens one resource at start-up and closes it at shutdown.

In order: the database, the live state, the telemetry store, the config channel, the HTTP
sessions, the Socket.IO fan-out; then the service graph built over them (``server/wiring.py``);
last what runs in the background: the supervisor of the integrations, the listeners, the
telemetry writer. Shutdown closes them in reverse.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from server.cluster.bus import ConfigBus
from server.integrations.listeners import run_listener
from server.journal.service import keep_journal_trimmed
from server.keys import (
    CONFIG_BUS,
    HTTP,
    LISTENERS,
    LLM_INTEGRATIONS,
    LOCAL_INTEGRATIONS,
    PLATFORMS,
    SERVICES,
    SETTINGS,
    SOCKETS,
    STATE,
    STORE,
    TELEMETRY_STORE,
    publish,
)
from server.observability.memory import MemoryTelemetry
from server.observability.redis import RedisTelemetry, keep_widgets_alive
from server.realtime.rooms import NAMESPACE
from server.realtime.server import close_fanout, close_widgets
from server.state.base import StateStore
from server.state.memory import MemoryState
from server.state.redis import RedisState
from server.store.database import Store
from server.wiring import HttpSessions, Resources, build_services, prepare

log = logging.getLogger(__name__)

# Each purpose has its own limits; these only bound a forgotten request.
_TIMEOUTS = {
    "llm": aiohttp.ClientTimeout(total=120, sock_connect=10),
    "platforms": aiohttp.ClientTimeout(total=20, sock_connect=10),
    "identity": aiohttp.ClientTimeout(total=15, sock_connect=5),
}


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """The database, migrated to the newest schema."""
    store = await Store.connect(app[SETTINGS].database_url)
    await store.migrate()
    app[STORE] = store
    yield
    await store.aclose()


async def live_state_ctx(app: web.Application) -> AsyncIterator[None]:
    """Shared live state: Redis when configured, memory otherwise."""
    settings = app[SETTINGS]
    options = {
        "dedup_ttl_seconds": settings.dedup_ttl_seconds,
        "max_lines": settings.transcript_max_lines,
    }
    state: StateStore
    if settings.redis_url:
        state = RedisState.from_url(settings.redis_url, **options)
        await state.ping()
        log.info("live state in Redis")
    else:
        state = MemoryState(**options)
        log.info("live state in memory (single process)")
    app[STATE] = state
    yield
    await state.aclose()


async def telemetry_store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Where the event inspector and health counts are kept: Redis when configured."""
    settings = app[SETTINGS]
    store: MemoryTelemetry | RedisTelemetry
    if settings.redis_url:
        store = RedisTelemetry.from_url(settings.redis_url, ring_size=settings.inspector_events)
    else:
        store = MemoryTelemetry(ring_size=settings.inspector_events)
    app[TELEMETRY_STORE] = store
    yield
    await store.aclose()


async def config_bus_ctx(app: web.Application) -> AsyncIterator[None]:
    """The nodes' config channel, subscribed before the indexes load so no change is missed."""
    redis_url = app[SETTINGS].redis_url
    redis = Redis.from_url(redis_url) if redis_url else None
    bus = ConfigBus(redis)
    app[CONFIG_BUS] = bus
    task = asyncio.create_task(bus.run(), name="config-bus")
    await bus.wait_subscribed()
    yield
    await stop_tasks([task])
    if redis is not None:
        await redis.aclose()


async def http_ctx(app: web.Application) -> AsyncIterator[None]:
    """Outbound HTTP sessions: LLM endpoints, platforms, identity providers (admins', tenants')."""
    async with AsyncExitStack() as stack:
        sessions = {
            purpose: await stack.enter_async_context(aiohttp.ClientSession(timeout=timeout))
            for purpose, timeout in _TIMEOUTS.items()
        }
        app[HTTP] = HttpSessions(**sessions)
        yield


async def fanout_ctx(app: web.Application) -> AsyncIterator[None]:
    """Socket.IO's fan-out to the other nodes (a Redis channel when configured)."""
    yield
    await close_fanout(app[SOCKETS])


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    """The service graph over the resources above, published to the handlers; answers still
    being written stop at shutdown."""
    resources = Resources(
        store=app[STORE],
        state=app[STATE],
        telemetry_store=app[TELEMETRY_STORE],
        bus=app[CONFIG_BUS],
        http=app[HTTP],
        sockets=app[SOCKETS],
    )
    services = build_services(
        app[SETTINGS],
        resources,
        app[PLATFORMS],
        llm_integrations=app.get(LLM_INTEGRATIONS),
        local_integrations=app[LOCAL_INTEGRATIONS],
    )
    publish(app, services)
    app[SOCKETS].register_namespace(services.namespace)
    await prepare(services, resources.store)
    # From here on, other nodes' changes apply (they waited, in order, since subscribing).
    resources.bus.deliver_to(services.sync.apply, services.sync.resync)
    yield
    await services.namespace.aclose()
    await services.answers.aclose()
    await services.journal.aclose()


async def background_ctx(app: web.Application) -> AsyncIterator[None]:
    """What runs while the server runs: the integrations' adapters, the listeners passed to
    create_app, the telemetry writer, the write-back outbox's writer and, with Redis, the
    widgets' heartbeat."""
    services, telemetry_store = app[SERVICES], app[TELEMETRY_STORE]
    tasks = [
        asyncio.create_task(services.telemetry.run(), name="telemetry"),
        asyncio.create_task(services.writer.run(), name="write-back-outbox"),
        asyncio.create_task(keep_journal_trimmed(services.journal), name="journal-retention"),
    ]
    if isinstance(telemetry_store, RedisTelemetry):
        tasks.append(
            asyncio.create_task(keep_widgets_alive(telemetry_store), name="widget-heartbeat")
        )
    for adapter in app[LISTENERS]:
        listening = run_listener(adapter, services.pipeline.process)
        tasks.append(asyncio.create_task(listening, name=f"listener-{adapter.name}"))
    await services.supervisor.start()
    yield
    await services.supervisor.aclose()
    await stop_tasks(tasks)
    await services.records.aclose()
    await services.telemetry.flush()


async def disconnect_widgets(app: web.Application) -> None:
    """on_shutdown: close widget sockets first, or the server waits out their handlers."""
    await close_widgets(app[SOCKETS], NAMESPACE)


async def stop_tasks(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel background tasks and wait until they have ended."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
