"""Constants of the Genesys Cloud adapter: its registry name, regions and protocol timings."""

from __future__ import annotations

from typing import Final, NamedTuple

PROVIDER: Final = "genesys"

# Region → environment (the domain after ``api.`` / ``login.`` / ``apps.``), from the
# platform SDK's region table (protocols.md 1.1).
ENVIRONMENTS: Final[dict[str, str]] = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
}

# Notification API limits (protocols.md 1.3) and the bulk message read (1.8).
TOPICS_PER_CHANNEL: Final = 1000
MESSAGES_PER_BULK_READ: Final = 1000


class Timings(NamedTuple):
    """Every wait the adapter makes, in seconds; tests pass shorter ones to the adapter."""

    # Genesys sends a heartbeat about every 30 s (protocols.md 1.5). After this much silence
    # the adapter sends its own ping; after ``heartbeat_timeout`` the socket is declared dead.
    ping_after: float = 35.0
    heartbeat_timeout: float = 70.0
    # Channels live 24 h; a new one is opened this long before the old one's ``expires``.
    channel_renew_before: float = 3600.0
    # Client-credentials tokens are renewed this long before they expire.
    token_leeway: float = 300.0
    # Reconnects back off exponentially from ``backoff_initial`` up to ``backoff_max``.
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    # A Retry-After longer than this is capped: a stuck limiter must not stall us for hours.
    retry_after_max: float = 120.0
    rate_limit_retries: int = 5
    request_timeout: float = 30.0


DEFAULT_TIMINGS: Final = Timings()
