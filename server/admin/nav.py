"""The navigation: the pages of a tenant, by route name, in the order the menu shows them.

A page module adds its entry here; an entry whose route is not registered yet shows as
plain text, so the menu can list a page before it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True, slots=True)
class NavItem:
    """A menu entry: its label and the name of the route it links to."""

    label: str
    route: str


TENANT_NAV: tuple[NavItem, ...] = (
    NavItem("Overview", "tenant"),
    NavItem("Integrations", "integrations"),
    NavItem("Agent sign-in", "agent_sign_in"),
    NavItem("Queue mappings", "mappings"),
    NavItem("Knowledge bases", "knowledge_bases"),
    NavItem("LLM integrations", "llm_integrations"),
    NavItem("Entity types", "entity_types"),
    NavItem("Widget embedding", "embedding"),
    NavItem("API keys", "api_keys"),
    NavItem("Health", "health"),
    NavItem("Events", "events"),
)


@dataclass(frozen=True, slots=True)
class NavLink:
    """A rendered menu entry; ``href`` is None while its page does not exist."""

    label: str
    href: str | None
    current: bool


def tenant_nav(request: web.Request, tenant_id: str) -> list[NavLink]:
    """The tenant menu for this request, the current page marked."""
    router = request.app.router
    current = request.match_info.route.name
    links = []
    for item in TENANT_NAV:
        resource = router.named_resources().get(item.route)
        href = None if resource is None else str(resource.url_for(tenant_id=tenant_id))
        links.append(NavLink(item.label, href, item.route == current))
    return links
