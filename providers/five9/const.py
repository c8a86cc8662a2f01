"""Constants of the Five9 desktop bridge: registry name, SDK location, lifecycle reasons."""

from __future__ import annotations

from typing import Final

from providers.models import MediaType

PROVIDER: Final = "five9"
DISPLAY_NAME: Final = "Five9"

# Where Five9's CRM SDK is loaded from unless the integration says otherwise (protocols.md
# 4.1). The widget loads it from Five9 at run time; cuecard never bundles or copies it.
DEFAULT_SDK_URL: Final = "https://app.five9.com/dev/sdk/crm/latest/five9.crm.sdk.js"
# Five9's own domains (its app hosts and its CDN): the only places the SDK may come from.
SDK_DOMAINS: Final = ("five9.com", "five9.eu", "five9.net")

# Agent Desktop Plus origin by Five9 region (the regional app hosts, protocols.md 4.2).
REGION_ORIGINS: Final[dict[str, str]] = {
    "us": "https://app.five9.com",
    "ca": "https://app.ca.five9.com",
    "eu": "https://app.eu.five9.eu",
}

# interactionApi lifecycle reasons (protocols.md 4.1) by what they mean for the conversation.
# The agent is offered or takes the interaction: it starts, and is assigned to this agent.
OFFERED: Final[dict[str, MediaType]] = {
    "callStarted": MediaType.VOICE,
    "callAccepted": MediaType.VOICE,
    "chatOffered": MediaType.CHAT,
    "chatAccepted": MediaType.CHAT,
    "emailOffered": MediaType.EMAIL,
    "emailAccepted": MediaType.EMAIL,
}
# The conversation is over (before or after disposition).
ENDED: Final = frozenset(
    {"callEnded", "callFinished", "chatEnded", "chatFinished", "emailFinished"}
)
# Each reason's interaction data field, by the reason's prefix.
DATA_FIELDS: Final[dict[str, str]] = {
    "call": "call_data",
    "chat": "chat_data",
    "email": "email_data",
}

# Interactions with no skill (outbound, direct) are routed as this queue.
NO_SKILL: Final = "direct"
