"""Every typed key the aiohttp application stores state under, and :func:`publish`, which puts
each service of the graph (``server/wiring.py``) under its key for the handlers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import socketio
from aiohttp import web

from providers.base import Manifest, ProviderSettings, PullAdapter
from server.actions.service import ActionService
from server.answers.service import AnswerService
from server.answers.sources import LlmIntegrationSource
from server.assist.base import Assistant
from server.auth.access import Principal
from server.auth.admin_sessions import SessionService, SignedIn
from server.auth.admin_sso import AdminSso
from server.auth.admins import AdminService
from server.auth.apikeys import ApiKeyAuthenticator
from server.auth.custody import AgentTokens
from server.auth.idp_login import TenantIdpSignIn
from server.auth.idp_settings import AgentIdps
from server.auth.platform_login import PlatformSignIn
from server.auth.sessions import AgentSessions
from server.auth.tokens import TokenService
from server.cluster.bus import ConfigBus
from server.cluster.sync import ConfigSync
from server.config import Settings
from server.ingest.pipeline import Pipeline
from server.integrations.service import IntegrationService
from server.integrations.supervisor import Supervisor
from server.journal.service import Journal
from server.metrics import Metrics
from server.observability.base import WidgetPresence
from server.observability.health import HealthService
from server.observability.memory import MemoryTelemetry
from server.observability.redis import RedisTelemetry
from server.observability.reveals import RevealService
from server.observability.telemetry import Telemetry
from server.queues.resolver import RouteResolver
from server.secret_box import SecretBox
from server.services.knowledge import KnowledgeService
from server.services.routing import LlmIntegrationService, MappingService
from server.services.tenants import TenantService
from server.state.base import StateStore
from server.store.database import Store
from server.store.models import Tenant
from server.wiring import HttpSessions, Services
from server.writeback.views import WriteBackViews
from widget import SOURCES_KEY, WidgetSources

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
TOKENS = web.AppKey("tokens", TokenService)
STORE = web.AppKey("store", Store)
API_KEYS = web.AppKey("api_keys", ApiKeyAuthenticator)
STATE = web.AppKey("state", StateStore)
ASSISTANT = web.AppKey("assistant", Assistant)
PIPELINE = web.AppKey("pipeline", Pipeline)
# The durable record of live conversations (what widgets were shown, by position).
JOURNAL = web.AppKey("journal", Journal)
LLM_INTEGRATIONS = web.AppKey("llm_integrations", LlmIntegrationSource)
ANSWERS = web.AppKey("answers", AnswerService)
SOCKETS = web.AppKey("sockets", socketio.AsyncServer)
ROUTES = web.AppKey("routes", RouteResolver)
CONFIG_BUS = web.AppKey("config_bus", ConfigBus)
CONFIG_SYNC = web.AppKey("config_sync", ConfigSync)
SECRETS = web.AppKey("secrets", SecretBox)
INTEGRATIONS = web.AppKey("integrations", IntegrationService)
SUPERVISOR = web.AppKey("supervisor", Supervisor)
# Agents' platform tokens, sealed under a key per platform apart from integration secrets.
AGENT_TOKENS = web.AppKey("agent_tokens", AgentTokens)
AGENT_SESSIONS = web.AppKey("agent_sessions", AgentSessions)
PLATFORM_SIGN_IN = web.AppKey("platform_sign_in", PlatformSignIn)
# Each tenant's own identity provider, and agents' sign-in through it.
AGENT_IDPS = web.AppKey("agent_idps", AgentIdps)
IDP_SIGN_IN = web.AppKey("idp_sign_in", TenantIdpSignIn)
AGENT_ACTIONS = web.AppKey("agent_actions", ActionService)
# The platforms this server runs (providers.registry.PLATFORMS unless a test names others).
PLATFORMS: web.AppKey[Mapping[str, Manifest]] = web.AppKey("platforms")
ADMINS = web.AppKey("admins", AdminService)
TENANTS = web.AppKey("tenants", TenantService)
KNOWLEDGE = web.AppKey("knowledge", KnowledgeService)
MAPPINGS = web.AppKey("mappings", MappingService)
LLMS = web.AppKey("llms", LlmIntegrationService)
SESSIONS = web.AppKey("sessions", SessionService)
TELEMETRY = web.AppKey("telemetry", Telemetry)
PRESENCE = web.AppKey("presence", WidgetPresence)
HEALTH = web.AppKey("health", HealthService)
REVEALS = web.AppKey("reveals", RevealService)
# Admin single sign-on; absent unless an OpenID provider is configured.
ADMIN_SSO = web.AppKey("admin_sso", AdminSso)
LISTENERS: web.AppKey[Sequence[PullAdapter]] = web.AppKey("listeners")
# Settings of platforms admins cannot store that this server runs itself (create_app).
LOCAL_INTEGRATIONS: web.AppKey[Mapping[str, Sequence[ProviderSettings]]] = web.AppKey(
    "local_integrations"
)
# Resources the cleanup contexts open, and the graph built over them.
TELEMETRY_STORE: web.AppKey[MemoryTelemetry | RedisTelemetry] = web.AppKey("telemetry_store")
HTTP = web.AppKey("http", HttpSessions)
SERVICES = web.AppKey("services", Services)
WRITE_BACKS = web.AppKey("write_backs", WriteBackViews)
# Where the widget sub-app reads the tenants' framing origins (through config_dict).
WIDGET_SOURCES = SOURCES_KEY
# Who an API request was authenticated as, set by the principal middleware.
REQUEST_PRINCIPAL = web.RequestKey("principal", Principal)
# The admin session of an admin page request, set by the admin middleware when signed in.
SIGNED_IN = web.RequestKey("signed_in", SignedIn)
# The tenant an admin page is about, set by server.admin.pages.page_tenant.
PAGE_TENANT = web.RequestKey("page_tenant", Tenant)


def publish(app: web.Application, services: Services) -> None:
    """Put the graph and each of its services under their keys, for the handlers."""
    app[SERVICES] = services
    app[METRICS] = services.metrics
    app[TOKENS] = services.tokens
    app[API_KEYS] = services.api_keys
    app[ADMINS] = services.admins
    app[SESSIONS] = services.admin_sessions
    if services.admin_sso is not None:
        app[ADMIN_SSO] = services.admin_sso
    app[SECRETS] = services.secrets
    app[TELEMETRY] = services.telemetry
    app[PRESENCE] = app[TELEMETRY_STORE]
    app[REVEALS] = services.reveals
    app[HEALTH] = services.health
    app[ASSISTANT] = services.assistant
    app[ROUTES] = services.routes
    app[CONFIG_SYNC] = services.sync
    app[LLM_INTEGRATIONS] = services.llm_integrations
    app[ANSWERS] = services.answers
    app[PIPELINE] = services.pipeline
    app[JOURNAL] = services.journal
    app[INTEGRATIONS] = services.integrations
    app[SUPERVISOR] = services.supervisor
    app[TENANTS] = services.tenants
    app[KNOWLEDGE] = services.knowledge
    app[MAPPINGS] = services.mappings
    app[LLMS] = services.llms
    app[AGENT_TOKENS] = services.agent_tokens
    app[AGENT_SESSIONS] = services.agent_sessions
    app[PLATFORM_SIGN_IN] = services.sign_in
    app[AGENT_IDPS] = services.agent_idps
    app[IDP_SIGN_IN] = services.idp_sign_in
    app[AGENT_ACTIONS] = services.actions
    app[WRITE_BACKS] = services.write_backs
    app[WIDGET_SOURCES] = WidgetSources(
        services.tenants.allowed_origins, services.enabled_platforms.settings
    )
