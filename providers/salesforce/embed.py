"""How Lightning frames the widget: the component's widget URL and the org's Lightning origins.

The admin pastes ``https://<cuecard>/widget/salesforce?tenant=<id>`` into the cuecardAssist
component's *Widget URL* property; the component appends the record it sits on and the
Lightning origin it runs at (``conversation=…&hostOrigin=…``) itself. The widget page is
framed only by the org's Lightning domain, derived from My Domain
(``acme.my.salesforce.com`` → ``https://acme.lightning.force.com``) unless the integration
names its ``lightning_origins``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from providers.base import SetupValue
from providers.salesforce.config import SalesforceSettings

HOST_ORIGIN_PARAM = "hostOrigin"


class SalesforceEmbedding:
    """:class:`providers.base.Embedding` for the cuecardAssist Lightning component."""

    @property
    def url_query(self) -> str:
        """Filled in by the component, not by the admin."""
        return f"conversation={{recordId}}&{HOST_ORIGIN_PARAM}={{lightningOrigin}}"

    @property
    def instructions(self) -> str:
        """Where the URL goes in Salesforce."""
        return (
            "Deploy the cuecardAssist component (docs/salesforce.md), add it to the Messaging "
            "Session record page in Lightning App Builder, and paste the widget URL without "
            "the conversation and hostOrigin parameters into its Widget URL property: the "
            "component adds those itself. The widget's origin must be a CSP Trusted Site "
            "(frame-src and connect-src)."
        )

    @property
    def host_origin_param(self) -> str:
        """The component states the Lightning origin it runs at in this parameter."""
        return HOST_ORIGIN_PARAM

    def frame_origins(self, settings: SalesforceSettings) -> tuple[str, ...]:
        """The org's Lightning origins."""
        return settings.frame_origins

    def setup_values(
        self, settings: SalesforceSettings | None, *, widget_url: str, callback_url: str
    ) -> list[SetupValue]:
        """What the Embedding page shows: the component's property, the Trusted Site, the
        External Client App's callback, and the Lightning origins that may frame the widget."""
        parts = urlsplit(widget_url)
        origins = ", ".join(settings.frame_origins) if settings is not None else ""
        return [
            SetupValue(
                label="Widget URL",
                value=widget_url,
                help="The cuecardAssist component's Widget URL property in Lightning App Builder.",
            ),
            SetupValue(
                label="CSP Trusted Site URL",
                value=f"{parts.scheme}://{parts.netloc}",
                help="CUECARD_WIDGET_ORIGIN when deploying the DX project, or Setup → Trusted "
                "URLs: frame-src and connect-src.",
            ),
            SetupValue(
                label="Callback URL",
                value=callback_url,
                help="The External Client App's OAuth callback URL (agents sign in through it).",
            ),
            SetupValue(
                label="Lightning origins",
                value=origins or "add the Salesforce integration first",
                help="Pages at these origins may frame the widget (from My Domain, or the "
                "integration's lightning_origins).",
            ),
        ]
