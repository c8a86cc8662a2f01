"""Every typed key the aiohttp application stores state under."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import socketio
from aiohttp import web

from providers.base import Manifest, PullAdapter
from server.actions.service import AgentActions
from server.answers.service import AnswerService
from server.answers.sources import LlmIntegrationSource
from server.assist.base import Assistant
from server.auth.access import Principal
from server.auth.admin_sessions import SessionService, SignedIn
from server.auth.admin_sso import AdminSso
from server.auth.admins import AdminService
from server.auth.apikeys import ApiKeyAuthenticator
from server.auth.custody import GenesysTokens
from server.auth.genesys_login import GenesysLogin
from server.auth.sessions import AgentSessions
from server.auth.tokens import TokenService
from server.bridge.platforms import EnabledPlatforms
from server.cluster.bus import ConfigBus
from server.cluster.sync import ConfigSync
from server.config import Settings
from server.ingest.pipeline import Pipeline
from server.integrations.service import IntegrationService
from server.integrations.supervisor import Supervisor
from server.metrics import Metrics
from server.observability.base import WidgetPresence
from server.observability.health import HealthService
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

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
TOKENS = web.AppKey("tokens", TokenService)
STORE = web.AppKey("store", Store)
API_KEYS = web.AppKey("api_keys", ApiKeyAuthenticator)
STATE = web.AppKey("state", StateStore)
ASSISTANT = web.AppKey("assistant", Assistant)
PIPELINE = web.AppKey("pipeline", Pipeline)
LLM_INTEGRATIONS = web.AppKey("llm_integrations", LlmIntegrationSource)
ANSWERS = web.AppKey("answers", AnswerService)
SOCKETS = web.AppKey("sockets", socketio.AsyncServer)
ROUTES = web.AppKey("routes", RouteResolver)
CONFIG_BUS = web.AppKey("config_bus", ConfigBus)
CONFIG_SYNC = web.AppKey("config_sync", ConfigSync)
SECRETS = web.AppKey("secrets", SecretBox)
INTEGRATION_SECRETS = web.AppKey("integration_secrets", SecretBox)
INTEGRATIONS = web.AppKey("integrations", IntegrationService)
SUPERVISOR = web.AppKey("supervisor", Supervisor)
# Agents' Genesys tokens are sealed under their own key, apart from stored integration secrets.
AGENT_TOKEN_SECRETS = web.AppKey("agent_token_secrets", SecretBox)
GENESYS_TOKENS = web.AppKey("genesys_tokens", GenesysTokens)
AGENT_SESSIONS = web.AppKey("agent_sessions", AgentSessions)
GENESYS_LOGIN = web.AppKey("genesys_login", GenesysLogin)
AGENT_ACTIONS = web.AppKey("agent_actions", AgentActions)
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
# Platforms a tenant has enabled (stored integrations, or run by this server): desktop bridge.
ENABLED_PLATFORMS = web.AppKey("enabled_platforms", EnabledPlatforms)
# Who an API request was authenticated as, set by the principal middleware.
REQUEST_PRINCIPAL = web.RequestKey("principal", Principal)
# The admin session of an admin page request, set by the admin middleware when signed in.
SIGNED_IN = web.RequestKey("signed_in", SignedIn)
# The tenant an admin page is about, set by server.admin.pages.page_tenant.
PAGE_TENANT = web.RequestKey("page_tenant", Tenant)
