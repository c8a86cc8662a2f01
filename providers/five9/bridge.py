"""The Five9 desktop bridge: who the agent's desktop is signed in as, and its lifecycle."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from providers.base import BridgeContext
from providers.errors import BridgeRefused
from providers.five9.config import Five9Settings
from providers.five9.mapping import (
    Five9HostMessage,
    Five9Metadata,
    InteractionMessage,
    to_events,
)
from providers.handoff import HandoffNames
from providers.models import Event

logger = logging.getLogger(__name__)


class Five9Bridge:
    """Maps what the widget's Five9 module forwards (see :mod:`providers.five9.mapping`).

    Every message carries the desktop's ``getMetadata()``: a desktop signed in as another
    agent than the widget's session, or to another Five9 domain than the integration's, is
    refused with ``BridgeRefused`` and nothing is stored. Example::

        bridge = Five9Bridge()
        message = bridge.message_model.model_validate(payload)
        events = bridge.to_events(message, BridgeContext("acme", "138", settings))
    """

    @property
    def message_model(self) -> type[BaseModel]:
        """The model one forwarded message must validate against."""
        return Five9HostMessage

    def to_events(self, message: Any, context: BridgeContext) -> list[Event]:
        """Canonical events for one validated message; ``BridgeRefused`` to refuse it."""
        inner = message.root if isinstance(message, Five9HostMessage) else message
        settings = context.settings if isinstance(context.settings, Five9Settings) else None
        check_desktop(inner.metadata, context, settings)
        if not isinstance(inner, InteractionMessage):
            return []
        names = settings.handoff_names if settings is not None else HandoffNames()
        events = to_events(
            inner,
            tenant_id=context.tenant_id,
            agent_id=context.agent_id,
            names=names,
            now=datetime.now(UTC),
        )
        if not events:
            logger.debug("Ignoring Five9 %s callback", inner.reason)
        return events


def check_desktop(
    metadata: Five9Metadata, context: BridgeContext, settings: Five9Settings | None
) -> None:
    """Refuse a desktop signed in as another agent, or to another Five9 domain."""
    if metadata.agent_id != context.agent_id.strip():
        raise BridgeRefused(
            f"The Five9 desktop is signed in as agent {metadata.agent_id}, but you signed in to "
            f"cuecard as agent {context.agent_id}. Sign in to both as yourself; if you did, ask "
            "an admin to check which claim carries the Five9 agent id."
        )
    expected = settings.five9_tenant_id if settings is not None else None
    if expected is not None and metadata.tenant_id != expected:
        raise BridgeRefused(
            f"The Five9 desktop belongs to Five9 domain {metadata.tenant_id}, not to the "
            f"domain {expected} this cuecard tenant is connected to."
        )
