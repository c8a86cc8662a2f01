"""The service graph: every service built once, in dependency order, by plain constructor calls.

:func:`build_services` is the one place that decides who talks to whom; read it top to bottom.
It does no I/O: the resources it is given (database, live state, Redis channels, HTTP
sessions) were opened by the cleanup contexts of ``server/contexts.py``, and :func:`prepare`
then reads what the services need before the server takes requests. Each platform's services
(sign-in, token custody, agent actions) come from its manifest (``server/platforms.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
import socketio
from pydantic import SecretStr

from providers.base import Manifest, ProviderSettings
from providers.registry import storable
from server.actions.service import ActionService, ConversationPlatforms, PlatformActions
from server.answers.client import ChatClient
from server.answers.service import AnswerService
from server.answers.sources import LlmIntegrationSource, StoredLlmIntegrations
from server.assist.engine import HybridAssistant
from server.assist.entity_rules import StoredEntityRules
from server.assist.followup import FollowUp
from server.auth.admin_sessions import SessionService
from server.auth.admin_sso import TERMS as ADMIN_SSO_TERMS
from server.auth.admin_sso import AdminSso
from server.auth.admins import AdminService
from server.auth.apikeys import ApiKeyAuthenticator
from server.auth.custody import AgentTokens
from server.auth.idp_login import TenantIdpSignIn
from server.auth.idp_settings import AgentIdps
from server.auth.oidc_client import OidcClient
from server.auth.passwords import Passwords
from server.auth.platform_login import PlatformSignIn
from server.auth.sessions import AgentSessions
from server.auth.throttle import LoginThrottle
from server.auth.tokens import TokenService
from server.bridge.platforms import EnabledPlatforms
from server.bridge.service import DesktopBridges
from server.cluster.bus import ConfigBus
from server.cluster.sync import ConfigSync
from server.config import Settings
from server.handoff.store import HandoffStore
from server.ingest.live import LiveWriter
from server.ingest.pipeline import Pipeline
from server.ingest.records import StoreRecorder
from server.integrations.service import IntegrationService
from server.integrations.supervisor import Supervisor
from server.journal.service import Journal
from server.metrics import Metrics
from server.observability.health import HealthService
from server.observability.memory import MemoryTelemetry
from server.observability.redis import RedisTelemetry
from server.observability.reveals import RevealService
from server.observability.telemetry import Telemetry
from server.platforms import action_platforms, oauth_platforms, token_platforms
from server.queues.resolver import RouteResolver
from server.realtime.catchup import LocalResync
from server.realtime.listener import ResyncingRedisManager
from server.realtime.namespace import AgentNamespace
from server.realtime.rooms import Broadcaster
from server.secret_box import (
    AGENT_IDP_SECRET_CONTEXT,
    INTEGRATION_SECRETS_CONTEXT,
    LLM_KEY_CONTEXT,
    SecretBox,
)
from server.services.knowledge import KnowledgeService
from server.services.routing import LlmIntegrationService, MappingService
from server.services.tenants import TenantService
from server.state.base import StateStore
from server.store.database import Store
from server.writeback.enrich import EnrichingSink
from server.writeback.notes import kept_notes
from server.writeback.recorder import RecorderChain, WriteBackRecorder
from server.writeback.records import PlatformRecords
from server.writeback.views import WriteBackViews
from server.writeback.writer import OutboxWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HttpSessions:
    """Outbound HTTP, one session per purpose so each has its own time limits."""

    llm: aiohttp.ClientSession
    platforms: aiohttp.ClientSession
    identity: aiohttp.ClientSession


@dataclass(frozen=True, slots=True)
class Resources:
    """What the cleanup contexts opened; the services are built on top of these."""

    store: Store
    state: StateStore
    telemetry_store: MemoryTelemetry | RedisTelemetry
    bus: ConfigBus
    http: HttpSessions
    sockets: socketio.AsyncServer


@dataclass(frozen=True, slots=True)
class Services:
    """Every service of a running server; ``server.keys`` publishes each to the handlers."""

    metrics: Metrics
    tokens: TokenService
    api_keys: ApiKeyAuthenticator
    admins: AdminService
    admin_sessions: SessionService
    admin_sso: AdminSso | None
    secrets: SecretBox
    telemetry: Telemetry
    reveals: RevealService
    assistant: HybridAssistant
    routes: RouteResolver
    llm_integrations: LlmIntegrationSource
    answers: AnswerService
    broadcaster: Broadcaster
    journal: Journal
    pipeline: Pipeline
    integrations: IntegrationService
    supervisor: Supervisor
    sync: ConfigSync
    tenants: TenantService
    knowledge: KnowledgeService
    mappings: MappingService
    llms: LlmIntegrationService
    health: HealthService
    agent_tokens: AgentTokens
    agent_sessions: AgentSessions
    sign_in: PlatformSignIn
    agent_idps: AgentIdps
    idp_sign_in: TenantIdpSignIn
    actions: ActionService
    enabled_platforms: EnabledPlatforms
    bridges: DesktopBridges
    records: PlatformRecords
    writer: OutboxWriter
    write_backs: WriteBackViews
    namespace: AgentNamespace


def build_services(
    settings: Settings,
    resources: Resources,
    platforms: Mapping[str, Manifest],
    *,
    llm_integrations: LlmIntegrationSource | None = None,
    local_integrations: Mapping[str, Sequence[ProviderSettings]] | None = None,
) -> Services:
    """The whole graph over ``resources``, each service after the ones it needs.

    ``local_integrations`` are settings of platforms admins cannot store that this server
    runs itself (``cuecard demo``'s simulated desktop): they count as enabled integrations.
    """
    secret_key = _secret_key(settings)
    store, state, http = resources.store, resources.state, resources.http
    metrics = Metrics(known_providers=platforms)
    tokens = TokenService(secret_key, settings.token_ttl_seconds)
    passwords = Passwords.from_settings(settings)
    if passwords.below_recommended:
        log.warning("admin passwords are hashed below argon2's RFC 9106 cost: for tests only")
    admins = AdminService(store, passwords, LoginThrottle())
    admin_sessions = SessionService(
        store, idle_seconds=settings.admin_idle_seconds, max_seconds=settings.admin_max_seconds
    )
    secrets = SecretBox(secret_key, LLM_KEY_CONTEXT)
    telemetry = Telemetry(resources.telemetry_store)
    assistant = HybridAssistant()
    routes = RouteResolver(store)
    llm_integrations = llm_integrations or StoredLlmIntegrations(store, secrets)
    broadcaster = Broadcaster(resources.sockets)
    handoffs = HandoffStore(state)
    answers = AnswerService(
        source=llm_integrations, client=ChatClient(http.llm), broadcaster=broadcaster
    )
    integrations = IntegrationService(
        store=store,
        box=SecretBox(secret_key, INTEGRATION_SECRETS_CONTEXT),
        platforms=storable(platforms),
        http=http.platforms,
    )
    records = PlatformRecords(
        integrations.platforms, integrations.provider_settings, http.platforms, state
    )
    writer = OutboxWriter(store.write_backs, records)
    integrations.on_change(writer.integration_changed)
    journal = Journal(store.live, max_lines=settings.transcript_max_lines)
    manager = resources.sockets.manager
    if isinstance(manager, ResyncingRedisManager):
        manager.on_resubscribed = LocalResync(resources.sockets, journal)
    followup = FollowUp(
        state=state,
        assistant=assistant,
        broadcaster=broadcaster,
        rules=StoredEntityRules(store),
    )
    pipeline = Pipeline(
        state=state,
        live=LiveWriter(journal=journal, state=state, broadcaster=broadcaster),
        assistant=assistant,
        broadcaster=broadcaster,
        recorder=RecorderChain(
            StoreRecorder(store),
            WriteBackRecorder(records.platforms, store.write_backs, state, writer.wake),
        ),
        metrics=metrics,
        observer=telemetry,
        suggestions_per_event=settings.suggestions_per_event,
        routes=routes,
        answers=answers,
        handoffs=handoffs,
        followup=followup,
    )
    # The platforms' own event sources go through it; events posted to the API do not.
    sink = EnrichingSink(pipeline, records, state)
    supervisor = Supervisor(
        store=store,
        integrations=integrations,
        platforms=integrations.platforms,
        sink=sink.process,
        on_status=broadcaster.integration_status,
        rejections=telemetry,
    )
    sync = ConfigSync(
        store=store, assistant=assistant, resolver=routes, bus=resources.bus, runner=supervisor
    )
    integrations.on_change(sync.integration_changed)
    oauth = oauth_platforms(platforms, http.platforms)
    agent_tokens = AgentTokens(state, token_platforms(oauth, secret_key))
    agent_sessions = AgentSessions(tokens, state)
    sign_in = PlatformSignIn(
        platforms=oauth,
        settings=integrations.provider_settings,
        state=state,
        custody=agent_tokens,
        sessions=agent_sessions,
        base_url=settings.base_url,
        signed_in=supervisor.watch_user,
    )
    agent_idps = AgentIdps(
        store,
        SecretBox(secret_key, AGENT_IDP_SECRET_CONTEXT),
        http.identity,
        base_url=settings.base_url,
    )
    idp_sign_in = TenantIdpSignIn(idps=agent_idps, state=state, sessions=agent_sessions)
    actions: dict[str, PlatformActions] = {
        **action_platforms(platforms, http.platforms, integrations, agent_tokens),
        **kept_notes(integrations.platforms, store.write_backs, state, writer.wake),
    }
    action_service = ActionService(
        state=state,
        platforms=actions,
        provider_of=ConversationPlatforms(state, integrations.provider_settings, list(actions)),
    )
    enabled = EnabledPlatforms(
        platforms, stored=integrations.provider_settings, local=local_integrations
    )
    bridges = DesktopBridges(platforms=enabled, state=state, pipeline=sink)
    return Services(
        metrics=metrics,
        tokens=tokens,
        api_keys=ApiKeyAuthenticator(store.api_keys),
        admins=admins,
        admin_sessions=admin_sessions,
        admin_sso=_admin_sso(settings, http.identity, state, admins),
        secrets=secrets,
        telemetry=telemetry,
        reveals=RevealService(telemetry, store),
        assistant=assistant,
        routes=routes,
        llm_integrations=llm_integrations,
        answers=answers,
        broadcaster=broadcaster,
        journal=journal,
        pipeline=pipeline,
        integrations=integrations,
        supervisor=supervisor,
        sync=sync,
        tenants=TenantService(store, sync),
        knowledge=KnowledgeService(store, sync, assistant),
        mappings=MappingService(store, sync, routes),
        llms=LlmIntegrationService(store, secrets),
        health=HealthService(telemetry, resources.telemetry_store, supervisor.statuses),
        agent_tokens=agent_tokens,
        agent_sessions=agent_sessions,
        sign_in=sign_in,
        agent_idps=agent_idps,
        idp_sign_in=idp_sign_in,
        actions=action_service,
        enabled_platforms=enabled,
        bridges=bridges,
        records=records,
        writer=writer,
        write_backs=WriteBackViews(records, store.write_backs),
        namespace=AgentNamespace(
            tokens=tokens,
            state=state,
            journal=journal,
            assistant=assistant,
            feedback=store.feedback,
            routes=routes,
            metrics=metrics,
            presence=resources.telemetry_store,
            integration_statuses=supervisor.statuses,
            actions=action_service,
            bridges=bridges,
            handoffs=handoffs,
            followup=followup,
        ),
    )


async def prepare(services: Services, store: Store) -> None:
    """Read what the services need before requests arrive; other nodes' changes apply after."""
    await services.admin_sessions.purge()
    for kb in await store.knowledge_bases.all():
        await services.assistant.load(kb, await store.documents.list(kb.tenant_id, kb.id))
    for tenant in await store.tenants.list():
        await services.assistant.set_dense(tenant.id, tenant.dense_retrieval)


def _admin_sso(
    settings: Settings, session: aiohttp.ClientSession, state: StateStore, admins: AdminService
) -> AdminSso | None:
    """Admin single sign-on through the configured OpenID provider, if there is one."""
    if settings.oidc_issuer is None or settings.oidc_client_id is None:
        return None
    assert settings.oidc_client_secret is not None  # Settings requires all three together
    client = OidcClient(
        session,
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        terms=ADMIN_SSO_TERMS,
    )
    return AdminSso(client, state, admins)


def _secret_key(settings: Settings) -> SecretStr:
    if settings.secret_key is None:
        raise ValueError("settings.secret_key must be set before building the services")
    return settings.secret_key
