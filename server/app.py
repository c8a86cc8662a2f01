"""The application factory: the one place where the server's parts are wired together.

``create_app`` adds the routes and sub-apps and the cleanup contexts (``server/contexts.py``)
that open the resources and, over them, build the service graph (``server/wiring.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aiohttp import web

import widget
from providers.base import Capability, Manifest, ProviderSettings, PullAdapter
from providers.registry import PLATFORMS as REGISTERED
from providers.registry import with_capability
from server.admin.app import create_admin_app
from server.answers.sources import LlmIntegrationSource
from server.api.admins import routes as admin_api_routes
from server.api.agent_sign_in import routes as agent_sign_in_routes
from server.api.api_keys import routes as api_key_routes
from server.api.integrations import routes as integration_routes
from server.api.knowledge import routes as knowledge_routes
from server.api.llm_integrations import routes as llm_routes
from server.api.openapi import routes as openapi_routes
from server.api.queue_mappings import routes as mapping_routes
from server.api.tenant import routes as tenant_routes
from server.auth.routes import routes as auth_routes
from server.config import Settings
from server.contexts import (
    background_ctx,
    config_bus_ctx,
    database_ctx,
    disconnect_widgets,
    fanout_ctx,
    http_ctx,
    live_state_ctx,
    services_ctx,
    telemetry_store_ctx,
)
from server.ingest.routes import routes as ingest_routes
from server.ingest.webhooks import routes as webhook_routes
from server.keys import (
    LISTENERS,
    LLM_INTEGRATIONS,
    LOCAL_INTEGRATIONS,
    PLATFORMS,
    SETTINGS,
    SOCKETS,
)
from server.middlewares import (
    errors_middleware,
    no_sniffing,
    principal_middleware,
    refused_body_middleware,
)
from server.observability.routes import routes as observability_routes
from server.realtime.server import create_socket_server
from server.routes import routes as ops_routes
from widget.app import create_widget_app

# Every route table of the main app: operations, event intake, sign-in, then the REST API.
ROUTE_TABLES = (
    ops_routes,
    ingest_routes,
    webhook_routes,
    auth_routes,
    knowledge_routes,
    mapping_routes,
    llm_routes,
    tenant_routes,
    integration_routes,
    agent_sign_in_routes,
    api_key_routes,
    admin_api_routes,
    observability_routes,
    openapi_routes,
)


def create_app(
    settings: Settings,
    *,
    listeners: Sequence[PullAdapter] = (),
    platforms: Mapping[str, Manifest] | None = None,
    llm_integrations: LlmIntegrationSource | None = None,
    local_integrations: Mapping[str, Sequence[ProviderSettings]] | None = None,
) -> web.Application:
    """A fully wired cuecard server for ``settings``; resources open when it starts.

    ``listeners`` are pull adapters (platform sockets, demo replays) whose events feed the
    pipeline while the server runs. ``platforms`` are the platforms it knows; by default
    every platform of the registry (tests pass their own). ``llm_integrations`` replaces the
    stored LLM integrations (tests point it at a double). ``local_integrations`` are settings,
    per platform, of platforms admins cannot store that this server runs for a tenant
    (``cuecard demo`` and tests run one as a simulated desktop): the desktop bridge and
    ``/widget/<platform>`` treat them like enabled integrations.
    """
    if settings.secret_key is None:
        raise ValueError("settings.secret_key must be set before creating the app")
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[refused_body_middleware, errors_middleware, principal_middleware],
    )
    app.on_response_prepare.append(no_sniffing)
    app[SETTINGS] = settings
    app[PLATFORMS] = REGISTERED if platforms is None else platforms
    app[LISTENERS] = tuple(listeners)
    app[LOCAL_INTEGRATIONS] = dict(local_integrations or {})
    if llm_integrations is not None:
        app[LLM_INTEGRATIONS] = llm_integrations
    app[SOCKETS] = create_socket_server(settings)
    app[SOCKETS].attach(app, socketio_path="socket.io")
    app.on_shutdown.append(disconnect_widgets)
    app.cleanup_ctx.extend(
        [
            database_ctx,
            live_state_ctx,
            telemetry_store_ctx,
            config_bus_ctx,
            http_ctx,
            fanout_ctx,
            services_ctx,
            background_ctx,
        ]
    )
    for route_table in ROUTE_TABLES:
        app.add_routes(route_table)
    app.add_subapp("/admin/", create_admin_app())
    embedded = with_capability(Capability.EMBEDDING, app[PLATFORMS])
    app.add_subapp("/widget/", create_widget_app(_widget_dist(settings), embedded))
    return app


def _widget_dist(settings: Settings) -> Path:
    return settings.widget_dist or Path(widget.__file__).parent / "dist"
