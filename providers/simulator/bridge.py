"""Bridge mode: the simulated desktop's host messages become canonical events.

The widget forwards each message the desktop page posts as ``bridge.event``; the server
validates it against :class:`providers.simulator._host.HostMessage` and calls
:meth:`SimulatorBridge.to_events`. The desktop is the signed-in agent's own, so the
conversation it accepts is assigned to the session's agent.

Example::

    bridge = SimulatorBridge()
    message = bridge.message_model.model_validate(posted)
    events = bridge.to_events(message, BridgeContext(tenant_id="demo", agent_id="desk-agent"))
"""

from __future__ import annotations

from providers.base import BridgeContext
from providers.models import Event
from providers.simulator._host import HostMessage
from providers.simulator.mapping import host_message_events


class SimulatorBridge:
    """The desktop bridge of the simulator (``Capability.DESKTOP_BRIDGE``)."""

    @property
    def message_model(self) -> type[HostMessage]:
        """One message of the simulated desktop."""
        return HostMessage

    def to_events(self, message: HostMessage, context: BridgeContext) -> list[Event]:
        """The message's canonical events, for the session's tenant and agent."""
        return host_message_events(message.root, context.tenant_id, context.agent_id)
