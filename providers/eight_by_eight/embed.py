"""How 8x8's Agent Workspace frames the widget page ``/widget/eight_by_eight``."""

from __future__ import annotations

from typing import Any

from providers.eight_by_eight.config import EightByEightSettings


class EightByEightEmbedding:
    """The widget as a partner app panel in 8x8's Agent Workspace.

    8x8 registers the page's URL for the tenant's partner integration; the page follows the
    interaction the agent focuses through 8x8's partner SDK, and only the integration's
    workspace origins may frame it or hand it the SDK's message port.
    """

    @property
    def url_query(self) -> str:
        """Nothing after ``?tenant=<id>``: the interactions come through the partner SDK."""
        return ""

    @property
    def instructions(self) -> str:
        """What an 8x8 admin does with the URL."""
        return (
            "Send this URL to 8x8 (your 8x8 contact or developer@8x8.com) to register it as "
            "your partner app panel in Agent Workspace, and ask for these events in its "
            "allowlist: aw-interaction-started-v1, aw-interaction-ended-v1, "
            "aw-interaction-focus-v3, aw-interaction-hold-v1 and aw-interaction-resume-v1."
        )

    @property
    def host_origin_param(self) -> str | None:
        """8x8 states no origin in the URL; frame-ancestors lists the workspace origins."""
        return None

    def frame_origins(self, settings: Any) -> tuple[str, ...]:
        """The integration's workspace origins (https://*.8x8.com unless set)."""
        if not isinstance(settings, EightByEightSettings):
            return ()
        return settings.workspace_origins
