"""cleanup_ctx generators: each opens one resource at start-up and closes it at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from providers.base import ProviderSettings
from providers.genesys.agent_client import AgentClient
from providers.genesys.const import PROVIDER as GENESYS
from server.actions.genesys import GenesysActions
from server.actions.service import AgentActions
from server.answers.client import ChatClient
from server.answers.service import AnswerService
from server.assist.engine import HybridAssistant
from server.assist.entity_rules import StoredEntityRules
from server.assist.followup import FollowUp
from server.auth.admin_sessions import SessionService
from server.auth.admin_sso import AdminSso
from server.auth.admins import AdminService
from server.auth.apikeys import ApiKeyAuthenticator
from server.auth.custody import GenesysTokens
from server.auth.genesys_login import CALLBACK_PATH, GenesysLogin, UserWatching
from server.auth.oidc_client import OidcClient
from server.auth.passwords import Passwords
from server.auth.sessions import AgentSessions
from server.auth.throttle import LoginThrottle
from server.ingest.listeners import run_listener
from server.ingest.pipeline import Pipeline
from server.ingest.records import StoreRecorder
from server.integrations.models import IntegrationStatus
from server.integrations.service import IntegrationService
from server.integrations.supervisor import Supervisor
from server.keys import (
    ADMIN_SSO,
    ADMINS,
    AGENT_ACTIONS,
    AGENT_SESSIONS,
    AGENT_TOKEN_SECRETS,
    ANSWERS,
    API_KEYS,
    ASSISTANT,
    CONFIG_BUS,
    CONFIG_SYNC,
    GENESYS_LOGIN,
    GENESYS_TOKENS,
    HEALTH,
    INTEGRATION_SECRETS,
    INTEGRATIONS,
    KNOWLEDGE,
    LISTENERS,
    LLM_INTEGRATIONS,
    LLMS,
    MAPPINGS,
    METRICS,
    PIPELINE,
    PRESENCE,
    PROVIDERS,
    REVEALS,
    ROUTES,
    SECRETS,
    SESSIONS,
    SETTINGS,
    SOCKETS,
    STATE,
    STORE,
    SUPERVISOR,
    TELEMETRY,
    TENANTS,
    TOKENS,
)
from server.observability.health import HealthService
from server.observability.memory import MemoryTelemetry
from server.observability.redis import RedisTelemetry, keep_widgets_alive
from server.observability.reveals import RevealService
from server.observability.telemetry import Telemetry
from server.queues.bus import ConfigBus
from server.queues.resolver import RouteResolver
from server.queues.sync import ConfigSync
from server.realtime.namespace import AgentNamespace
from server.realtime.rooms import Broadcaster
from server.realtime.server import close_fanout
from server.services.knowledge import KnowledgeService
from server.services.routing import LlmIntegrationService, MappingService
from server.services.tenants import TenantService
from server.state.base import StateStore
from server.state.memory import MemoryState
from server.state.redis import RedisState
from server.store.database import Store

log = logging.getLogger(__name__)


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    """The database, migrated to the newest schema."""
    store = await Store.connect(app[SETTINGS].database_url)
    await store.migrate()
    app[STORE] = store
    app[API_KEYS] = ApiKeyAuthenticator(store.api_keys)
    yield
    await store.aclose()


async def admin_ctx(app: web.Application) -> AsyncIterator[None]:
    """Admin accounts and sessions; sessions that expired while the server was down go."""
    store, settings = app[STORE], app[SETTINGS]
    passwords = Passwords.from_settings(settings)
    if passwords.below_recommended:
        log.warning("admin passwords are hashed below argon2's RFC 9106 cost: for tests only")
    app[ADMINS] = AdminService(store, passwords, LoginThrottle())
    sessions = SessionService(
        store, idle_seconds=settings.admin_idle_seconds, max_seconds=settings.admin_max_seconds
    )
    app[SESSIONS] = sessions
    await sessions.purge()
    yield


async def admin_sso_ctx(app: web.Application) -> AsyncIterator[None]:
    """Admin single sign-on through the configured OpenID provider, if there is one."""
    settings = app[SETTINGS]
    if settings.oidc_issuer is None or settings.oidc_client_id is None:
        yield
        return
    assert settings.oidc_client_secret is not None  # Settings requires all three together
    timeout = aiohttp.ClientTimeout(total=15, sock_connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        client = OidcClient(
            session,
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
        )
        app[ADMIN_SSO] = AdminSso(
            client, app[STATE], app[ADMINS], client_id=settings.oidc_client_id
        )
        yield


async def state_ctx(app: web.Application) -> AsyncIterator[None]:
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


async def telemetry_ctx(app: web.Application) -> AsyncIterator[None]:
    """The event inspector and health counts: in Redis when configured, memory otherwise."""
    settings = app[SETTINGS]
    store: MemoryTelemetry | RedisTelemetry
    tasks = []
    if settings.redis_url:
        store = RedisTelemetry.from_url(settings.redis_url, ring_size=settings.inspector_events)
        tasks.append(asyncio.create_task(keep_widgets_alive(store), name="widget-heartbeat"))
    else:
        store = MemoryTelemetry(ring_size=settings.inspector_events)
    telemetry = Telemetry(store)
    app[TELEMETRY], app[PRESENCE] = telemetry, store
    app[REVEALS] = RevealService(telemetry, app[STORE])
    # The supervisor starts later (integrations_ctx); it is looked up per request.
    app[HEALTH] = HealthService(
        telemetry, store, statuses=lambda tenant_id: app[SUPERVISOR].statuses(tenant_id)
    )
    tasks.append(asyncio.create_task(telemetry.run(), name="telemetry"))
    yield
    await stop_tasks(tasks)
    await telemetry.flush()
    await store.aclose()


async def assistant_ctx(app: web.Application) -> AsyncIterator[None]:
    """The knowledge engine, with every knowledge base indexed."""
    store = app[STORE]
    assistant = HybridAssistant()
    for kb in await store.knowledge_bases.all():
        await assistant.load(kb, await store.documents.list(kb.tenant_id, kb.id))
    app[ASSISTANT] = assistant
    yield


async def answers_ctx(app: web.Application) -> AsyncIterator[None]:
    """Answers to customer turns; the LLM session closes and answers in flight stop at shutdown."""
    # Each answer has its own, shorter time limits; this only bounds a forgotten request.
    timeout = aiohttp.ClientTimeout(total=120, sock_connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        answers = AnswerService(
            source=app[LLM_INTEGRATIONS],
            client=ChatClient(session),
            broadcaster=Broadcaster(app[SOCKETS]),
        )
        app[ANSWERS] = answers
        yield
        await answers.aclose()


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


async def queues_ctx(app: web.Application) -> AsyncIterator[None]:
    """Queue routing and config sync; from here on, other nodes' changes are applied."""
    store, assistant = app[STORE], app[ASSISTANT]
    app[ROUTES] = RouteResolver(store)
    sync = ConfigSync(store=store, assistant=assistant, resolver=app[ROUTES], bus=app[CONFIG_BUS])
    app[CONFIG_SYNC] = sync
    for tenant in await store.tenants.list():
        await assistant.set_dense(tenant.id, tenant.dense_retrieval)
    app[CONFIG_BUS].deliver_to(sync.apply, sync.resync)
    yield


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    """The operations the REST API and the admin pages share."""
    store, sync = app[STORE], app[CONFIG_SYNC]
    app[TENANTS] = TenantService(store, sync)
    app[KNOWLEDGE] = KnowledgeService(store, sync, app[ASSISTANT])
    app[MAPPINGS] = MappingService(store, sync, app[ROUTES])
    app[LLMS] = LlmIntegrationService(store, app[SECRETS])
    yield


async def realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    """The pipeline and the widget namespace, wired to the resources above."""
    sio = app[SOCKETS]
    followup = FollowUp(
        state=app[STATE],
        assistant=app[ASSISTANT],
        broadcaster=Broadcaster(sio),
        rules=StoredEntityRules(app[STORE]),
    )
    app[PIPELINE] = Pipeline(
        state=app[STATE],
        assistant=app[ASSISTANT],
        broadcaster=Broadcaster(sio),
        recorder=StoreRecorder(app[STORE]),
        metrics=app[METRICS],
        observer=app[TELEMETRY],
        suggestions_per_event=app[SETTINGS].suggestions_per_event,
        routes=app[ROUTES],
        answers=app[ANSWERS],
        followup=followup,
    )
    sio.register_namespace(
        AgentNamespace(
            tokens=app[TOKENS],
            state=app[STATE],
            assistant=app[ASSISTANT],
            feedback=app[STORE].feedback,
            routes=app[ROUTES],
            metrics=app[METRICS],
            presence=app[PRESENCE],
            integration_statuses=lambda tenant_id: app[SUPERVISOR].statuses(tenant_id),
            actions=app[AGENT_ACTIONS],
            followup=followup,
        )
    )
    yield
    await close_fanout(sio)


async def disconnect_widgets(app: web.Application) -> None:
    """on_shutdown: close widget sockets first, or the server waits out their handlers."""
    await app[SOCKETS].shutdown()


async def agent_auth_ctx(app: web.Application) -> AsyncIterator[None]:
    """Agent sign-in with Genesys Cloud, agent sessions, and actions with the agent's token."""

    async def provider_settings(tenant_id: str, provider: str) -> ProviderSettings | None:
        # The integrations service starts later (it needs the pipeline); it exists by the
        # time a request arrives.
        return await app[INTEGRATIONS].provider_settings(tenant_id, provider)

    async def provider_of(tenant_id: str, conversation_id: str) -> str | None:
        known = (await app[STATE].meta(tenant_id, conversation_id)).provider
        if known is not None:
            return known
        # A widget may act before cuecard saw the conversation's first event; Genesys itself
        # refuses a conversation the agent is not on.
        return GENESYS if await provider_settings(tenant_id, GENESYS) is not None else None

    timeout = aiohttp.ClientTimeout(total=20, sock_connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        client = AgentClient(session)
        custody = GenesysTokens(app[STATE], app[AGENT_TOKEN_SECRETS], client)
        sessions = AgentSessions(app[TOKENS], app[STATE])
        app[GENESYS_TOKENS], app[AGENT_SESSIONS] = custody, sessions
        app[GENESYS_LOGIN] = GenesysLogin(
            settings=provider_settings,
            state=app[STATE],
            client=client,
            custody=custody,
            sessions=sessions,
            redirect_uri=app[SETTINGS].base_url.rstrip("/") + CALLBACK_PATH,
            signed_in=lambda tenant_id, user_id: _watch_agent(app, tenant_id, user_id),
        )
        genesys = GenesysActions(settings=provider_settings, custody=custody, client=client)
        app[AGENT_ACTIONS] = AgentActions(
            state=app[STATE], platforms={GENESYS: genesys}, provider_of=provider_of
        )
        yield


async def _watch_agent(app: web.Application, tenant_id: str, user_id: str) -> None:
    """A signed-in agent's conversations reach the tenant's running Genesys adapters."""
    for adapter in app[SUPERVISOR].adapters(tenant_id, GENESYS):
        if not isinstance(adapter, UserWatching):
            continue
        try:
            await adapter.watch_user(user_id)
        except Exception:
            # Sign-in still succeeds; the adapter's queue subscriptions keep working.
            log.warning("could not watch agent %s of tenant %s", user_id, tenant_id, exc_info=True)


async def integrations_ctx(app: web.Application) -> AsyncIterator[None]:
    """Stored integrations: the service, and a supervisor running their adapters."""
    service = IntegrationService(
        store=app[STORE], box=app[INTEGRATION_SECRETS], specs=app[PROVIDERS]
    )
    broadcaster = Broadcaster(app[SOCKETS])

    async def announce(tenant_id: str, status: IntegrationStatus) -> None:
        await broadcaster.integration_status(tenant_id, status)

    supervisor = Supervisor(
        store=app[STORE], integrations=service, sink=app[PIPELINE].process, on_status=announce
    )
    service.on_change(app[CONFIG_SYNC].integration_changed)
    app[CONFIG_SYNC].run_integrations_with(supervisor)
    app[INTEGRATIONS], app[SUPERVISOR] = service, supervisor
    await supervisor.start()
    yield
    await supervisor.aclose()


async def listeners_ctx(app: web.Application) -> AsyncIterator[None]:
    """One task per pull adapter, feeding the pipeline; cancelled at shutdown."""
    tasks = [
        asyncio.create_task(run_listener(adapter, app[PIPELINE]), name=f"listener-{adapter.name}")
        for adapter in app[LISTENERS]
    ]
    yield
    await stop_tasks(tasks)


async def stop_tasks(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel background tasks and wait until they have ended."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
