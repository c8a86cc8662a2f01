"""The tenant's health page: connections, connected widgets, the last hour as two charts."""

from __future__ import annotations

from aiohttp import web

from server.admin.charts import Chart, line_chart
from server.admin.pages import page_tenant, render
from server.keys import HEALTH, WRITE_BACKS
from server.observability.views import MinutePoint

routes = web.RouteTableDef()


@routes.get("/tenants/{tenant_id}/health", name="health")
async def health_page(request: web.Request) -> web.StreamResponse:
    """How the tenant's integrations, widgets and traffic are doing now."""
    tenant = await page_tenant(request)
    health = await request.config_dict[HEALTH].health(tenant.id)
    write_backs = await request.config_dict[WRITE_BACKS].health(tenant.id)
    busy = [point for point in health.minutes if _events(point) or point.suggestions]
    context = {
        "health": health,
        "write_backs": write_backs,
        "events_chart": events_chart(health.minutes),
        "latency_chart": latency_chart(health.minutes),
        "busy_minutes": list(reversed(busy)),
    }
    return render(request, "health.html", context)


def events_chart(minutes: list[MinutePoint]) -> Chart:
    """Events per minute, one line per outcome."""
    times = [point.minute for point in minutes]
    return line_chart(
        "Events per minute",
        "events",
        times,
        [
            ("delivered", "Delivered", [point.delivered for point in minutes]),
            ("duplicate", "Duplicate", [point.duplicate for point in minutes]),
            ("rejected", "Rejected", [point.rejected for point in minutes]),
            ("failed", "Failed", [point.failed for point in minutes]),
        ],
    )


def latency_chart(minutes: list[MinutePoint]) -> Chart:
    """Suggestion latency per minute, p50 and p95; minutes without suggestions are gaps."""
    times = [point.minute for point in minutes]
    return line_chart(
        "Suggestion latency",
        "ms",
        times,
        [
            ("p50", "p50", [point.suggestion_p50_ms for point in minutes]),
            ("p95", "p95", [point.suggestion_p95_ms for point in minutes]),
        ],
    )


def _events(point: MinutePoint) -> int:
    return point.delivered + point.duplicate + point.rejected + point.failed
