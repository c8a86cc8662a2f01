"""The application factory: the one place where the server's parts are wired together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aiohttp import web

import widget
from providers.base import PullAdapter
from providers.genesys.config import GenesysSettings
from providers.genesys.const import PROVIDER as GENESYS
from providers.registry import AdapterSpec, storable_specs
from server.admin.app import create_admin_app
from server.answers.sources import StoredLlmIntegrations
from server.api.admins import routes as admin_api_routes
from server.api.api_keys import routes as api_key_routes
from server.api.integrations import routes as integration_routes
from server.api.knowledge import routes as knowledge_routes
from server.api.llm_integrations import routes as llm_routes
from server.api.openapi import routes as openapi_routes
from server.api.queue_mappings import routes as mapping_routes
from server.api.tenant import routes as tenant_routes
from server.auth.routes import routes as auth_routes
from server.auth.tokens import TokenService
from server.config import Settings
from server.contexts import (
    admin_ctx,
    admin_sso_ctx,
    agent_auth_ctx,
    answers_ctx,
    assistant_ctx,
    config_bus_ctx,
    disconnect_widgets,
    integrations_ctx,
    listeners_ctx,
    queues_ctx,
    realtime_ctx,
    services_ctx,
    state_ctx,
    store_ctx,
    telemetry_ctx,
)
from server.ingest.routes import routes as ingest_routes
from server.keys import (
    AGENT_TOKEN_SECRETS,
    INTEGRATION_SECRETS,
    INTEGRATIONS,
    LISTENERS,
    LLM_INTEGRATIONS,
    METRICS,
    PROVIDERS,
    SECRETS,
    SETTINGS,
    SOCKETS,
    STORE,
    TOKENS,
)
from server.metrics import Metrics
from server.middlewares import (
    errors_middleware,
    principal_middleware,
    refused_body_middleware,
)
from server.observability.routes import routes as observability_routes
from server.queues.secrets import (
    AGENT_TOKENS_CONTEXT,
    INTEGRATION_SECRETS_CONTEXT,
    SecretBox,
)
from server.realtime.server import create_socket_server
from server.routes import routes as ops_routes
from widget.app import create_widget_app
from widget.csp import FrameAncestors, PlatformOrigin


def create_app(
    settings: Settings,
    *,
    listeners: Sequence[PullAdapter] = (),
    providers: Mapping[str, AdapterSpec] | None = None,
) -> web.Application:
    """A fully wired cuecard server for ``settings``; resources open when it starts.

    ``listeners`` are pull adapters (platform sockets, the simulator) whose events feed the
    pipeline while the server runs. ``providers`` are those admins may store integrations
    of; by default every storable adapter of the registry.
    """
    if settings.secret_key is None:
        raise ValueError("settings.secret_key must be set before creating the app")
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[refused_body_middleware, errors_middleware, principal_middleware],
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[TOKENS] = TokenService(settings.secret_key, settings.token_ttl_seconds)
    app[SOCKETS] = create_socket_server(settings)
    app[SOCKETS].attach(app, socketio_path="socket.io")
    app[LISTENERS] = tuple(listeners)
    app[SECRETS] = SecretBox(settings.secret_key)
    app[INTEGRATION_SECRETS] = SecretBox(settings.secret_key, INTEGRATION_SECRETS_CONTEXT)
    app[AGENT_TOKEN_SECRETS] = SecretBox(settings.secret_key, AGENT_TOKENS_CONTEXT)
    app[PROVIDERS] = storable_specs() if providers is None else providers
    app[LLM_INTEGRATIONS] = StoredLlmIntegrations(lambda: app[STORE], app[SECRETS])
    app.on_shutdown.append(disconnect_widgets)
    app.cleanup_ctx.extend(
        [
            store_ctx,
            admin_ctx,
            state_ctx,
            telemetry_ctx,
            admin_sso_ctx,
            config_bus_ctx,
            assistant_ctx,
            queues_ctx,
            services_ctx,
            answers_ctx,
            agent_auth_ctx,
            realtime_ctx,
            integrations_ctx,
            listeners_ctx,
        ]
    )
    app.add_routes(ops_routes)
    app.add_routes(ingest_routes)
    app.add_routes(auth_routes)
    api = (
        knowledge_routes,
        mapping_routes,
        llm_routes,
        tenant_routes,
        integration_routes,
        api_key_routes,
        admin_api_routes,
        observability_routes,
        openapi_routes,
    )
    for api_routes in api:
        app.add_routes(api_routes)
    app.add_subapp("/admin/", create_admin_app())
    widget_app = create_widget_app(
        _widget_dist(settings), _frame_ancestors(app), _genesys_origin(app)
    )
    app.add_subapp("/widget/", widget_app)
    return app


def _widget_dist(settings: Settings) -> Path:
    return settings.widget_dist or Path(widget.__file__).parent / "dist"


def _frame_ancestors(app: web.Application) -> FrameAncestors:
    async def origins_for(tenant_id: str) -> Sequence[str]:
        tenant = await app[STORE].tenants.get(tenant_id)
        return tenant.allowed_origins if tenant else ()

    return origins_for


def _genesys_origin(app: web.Application) -> PlatformOrigin:
    async def origin_for(tenant_id: str) -> str | None:
        settings = await app[INTEGRATIONS].provider_settings(tenant_id, GENESYS)
        return settings.host_origin if isinstance(settings, GenesysSettings) else None

    return origin_for
