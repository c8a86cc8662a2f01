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

from pydantic import BaseModel, ConfigDict

from providers.salesforce.config import SalesforceSettings

HOST_ORIGIN_PARAM = "hostOrigin"


class ComponentSetup(BaseModel):
    """The values an admin enters in Salesforce for one cuecard tenant."""

    model_config = ConfigDict(frozen=True)

    widget_url: str
    trusted_site_url: str
    callback_url: str
    frame_origins: tuple[str, ...]


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


def component_setup(
    settings: SalesforceSettings, *, widget_url: str, callback_url: str
) -> ComponentSetup:
    """What the Embedding page shows for a tenant's Salesforce integration."""
    parts = urlsplit(widget_url)
    return ComponentSetup(
        widget_url=widget_url,
        trusted_site_url=f"{parts.scheme}://{parts.netloc}",
        callback_url=callback_url,
        frame_origins=settings.frame_origins,
    )
