"""The Salesforce desktop bridge: what the cuecardAssist component hands the widget → events.

The component runs inside Lightning as the signed-in Salesforce user; its messages name that
user (``userId``), which must be the agent the widget's session belongs to — otherwise the
message is refused, so one agent's desktop cannot write into another agent's conversation.
"""

from __future__ import annotations

from providers.base import BridgeContext
from providers.errors import BridgeRefused
from providers.models import Event
from providers.salesforce import mapping
from providers.salesforce.mapping import HostMessageModel


class SalesforceBridge:
    """:class:`providers.base.DesktopBridge` for the cuecardAssist Lightning component."""

    @property
    def message_model(self) -> type[HostMessageModel]:
        """Context and LMS messages (mapping.py shows both)."""
        return HostMessageModel

    def to_events(self, message: HostMessageModel, context: BridgeContext) -> list[Event]:
        """Canonical events for one validated host message; ``BridgeRefused`` for another
        user's desktop."""
        host = message.root
        user_id = getattr(host, "user_id", None)
        if user_id is not None and user_id != context.agent_id:
            raise BridgeRefused(
                "the Salesforce user of this desktop is not the agent signed in to the widget"
            )
        return mapping.to_events(host, context.tenant_id)
