"""The Genesys Cloud Interaction Widget: the URL Genesys interpolates, and who may frame it.

Genesys fills the ``{{gc...}}`` placeholders in when it loads the widget (protocols.md 2.4);
docs/genesys.md "The Interaction Widget" shows the same URL. ``gcHostOrigin`` is where the
desktop says it runs; the page loads only when that is the tenant's desktop origin.
"""

from __future__ import annotations

from providers.genesys.config import GenesysSettings

URL_QUERY = (
    "conversationId={{gcConversationId}}&gcHostOrigin={{gcHostOrigin}}"
    "&gcTargetEnv={{gcTargetEnv}}&langTag={{gcLangTag}}&usePopupAuth={{gcUsePopupAuth}}"
)
SANDBOX = "allow-scripts,allow-same-origin,allow-forms,allow-popups,allow-popups-to-escape-sandbox"


class GenesysEmbedding:
    """The widget as an Interaction Widget next to each interaction (``Embedding``)."""

    url_query = URL_QUERY
    host_origin_param = "gcHostOrigin"
    instructions = (
        "Admin > Integrations > Interaction Widget > Configuration > Properties: "
        f"Application URL. Iframe Sandbox Options: {SANDBOX}; Iframe Feature/Permissions "
        "Policy: clipboard-write. The frame origin comes from the tenant's Genesys integration "
        "(its environment or desktop origin)."
    )

    def frame_origins(self, settings: GenesysSettings) -> tuple[str, ...]:
        """The tenant's Genesys desktop: ``https://apps.<environment>`` unless overridden."""
        return (settings.host_origin,)
