"""Constants of the Salesforce Service Cloud platform: names, wire constants, and timings."""

from __future__ import annotations

from typing import Final, NamedTuple

PROVIDER: Final = "salesforce"
DISPLAY_NAME: Final = "Salesforce Service Cloud"

# REST API version used in every /services/data path (protocols.md 7.3: v66-v68 are current).
API_VERSION: Final = "v66.0"

# OAuth 2.0 (protocols.md 7.4); the JWT bearer grant type is RFC 7523's.
TOKEN_PATH: Final = "/services/oauth2/token"  # noqa: S105 - a path, not a password
AUTHORIZE_PATH: Final = "/services/oauth2/authorize"
USERINFO_PATH: Final = "/services/oauth2/userinfo"
JWT_GRANT_TYPE: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Agents are only identified (userinfo); cuecard acts on Salesforce with its own JWT grant.
AGENT_SCOPE: Final = "openid id"
# Salesforce token responses carry no ``expires_in``: sessions last the org's session timeout,
# two hours unless the admin changed it.
SESSION_SECONDS: Final = 7200

# Version tag of the component's postMessage protocol (mapping.py, docs/salesforce.md).
PROTOCOL: Final = "salesforce/1"

# Lightning Message Service channels the component forwards (protocols.md 7.1).
CHANNEL_END_USER_MESSAGE: Final = "lightning__conversationEndUserMessage"
CHANNEL_AGENT_SEND: Final = "lightning__conversationAgentSend"
CHANNEL_ENDED: Final = "lightning__conversationEnded"

# Key prefix of organization ids.
ORGANIZATION_PREFIX: Final = "00D"

# Error codes of the REST API's JSON error array (protocols.md 7.3).
REQUEST_LIMIT_EXCEEDED: Final = "REQUEST_LIMIT_EXCEEDED"
INVALID_SESSION_ID: Final = "INVALID_SESSION_ID"

# Most subrequests in one composite request (protocols.md 7.3).
COMPOSITE_MAX: Final = 25


class Timings(NamedTuple):
    """Every wait the client makes, in seconds; tests pass shorter ones."""

    # A JWT bearer assertion is valid this long (Salesforce wants about three minutes).
    assertion_seconds: int = 170
    # Access tokens are re-minted this long before the assumed session timeout.
    token_leeway: float = 300.0
    # REQUEST_LIMIT_EXCEEDED carries no Retry-After: back off exponentially between probes.
    limit_backoff_initial: float = 2.0
    limit_backoff_max: float = 60.0
    request_timeout: float = 30.0


class LimitBudget(NamedTuple):
    """What the client may spend against an org whose API request limit is exceeded.

    At most ``concurrency`` requests are in flight at once. After the first
    ``REQUEST_LIMIT_EXCEEDED`` every caller waits behind one shared gate and a single request at
    a time probes the API, the waits doubling from ``Timings.limit_backoff_initial`` up to
    ``Timings.limit_backoff_max``. Once ``probes`` refusals have been counted the gate stays
    shut for ``cooldown`` seconds and callers fail at once with ``ApiLimitExceeded``: their
    writes stay in the caller's outbox. So a storm costs the org at most ``concurrency +
    probes`` refused requests per cool-down, however many writes are waiting; and no caller
    waits longer than ``seconds`` for the gate.
    """

    probes: int = 6
    concurrency: int = 4
    cooldown: float = 900.0
    seconds: float = 300.0


DEFAULT_TIMINGS: Final = Timings()
DEFAULT_BUDGET: Final = LimitBudget()
