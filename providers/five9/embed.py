"""How Five9's agent desktop frames the widget page ``/widget/five9``."""

from __future__ import annotations

from typing import Any

from providers.five9.config import Five9Settings


class Five9Embedding:
    """The widget as a page inside Five9's agent desktop, talking to it through the CRM SDK.

    The desktop hands the widget nothing in the URL: the interaction ids come through the
    SDK, and the widget follows the agent. Only the tenant's Five9 desktops may frame it.
    """

    @property
    def url_query(self) -> str:
        """Nothing after ``?tenant=<id>``: Five9 has no URL placeholders for the page."""
        return ""

    @property
    def instructions(self) -> str:
        """Where a Five9 admin puts the URL."""
        return (
            "In Five9's Administrator, add the URL as a custom component (an iframe) of Agent "
            "Desktop Plus, or as a tab of the CRM page that hosts the Five9 adapter, for the "
            "agents who should see suggestions. The page loads Five9's CRM SDK from the "
            "integration's sdk_url and needs no further permission."
        )

    @property
    def host_origin_param(self) -> str | None:
        """Five9 states no origin in the URL; the page's frame-ancestors lists the desktops."""
        return None

    def frame_origins(self, settings: Any) -> tuple[str, ...]:
        """The Agent Desktop Plus origin of the integration's region, or the configured ones."""
        if not isinstance(settings, Five9Settings):
            return ()
        return settings.frame_origins

    def script_urls(self, settings: Any) -> tuple[str, ...]:
        """Five9's CRM SDK, from where the integration says (Five9's own URL by default)."""
        if not isinstance(settings, Five9Settings):
            return ()
        return (str(settings.sdk_url),)
