"""Constants of the Google CCAI platform: names, Google's token issuer and key set, limits."""

from __future__ import annotations

from typing import Final

from providers.models import Speaker

PROVIDER: Final = "google_ccai"
DISPLAY_NAME: Final = "Google CCAI (Agent Assist)"
# Shown on the cards Agent Assist suggested, beside cuecard's own.
SUGGESTION_SOURCE: Final = "Google Agent Assist"

# Push subscriptions sign their requests with a Google ID token (protocols.md 8.2).
GOOGLE_ISSUERS: Final = frozenset({"https://accounts.google.com", "accounts.google.com"})
GOOGLE_CERTS_URL: Final = "https://www.googleapis.com/oauth2/v3/certs"
TOKEN_ALGORITHMS: Final = ("RS256",)
# Clock skew tolerated on exp, nbf and iat.
TOKEN_LEEWAY_SECONDS: Final = 30
# Google's key set says how long it may be cached; without a Cache-Control, this long.
CERTS_DEFAULT_MAX_AGE: Final = 300.0
# An unknown key id may mean Google rotated its keys, but a forger can send any key id:
# refetch at most this often.
CERTS_REFETCH_SECONDS: Final = 60.0
CERTS_TIMEOUT_SECONDS: Final = 10.0

# Participant roles of Dialogflow messages and recognition results.
ROLE_SPEAKERS: Final[dict[str, Speaker]] = {
    "END_USER": Speaker.CUSTOMER,
    "HUMAN_AGENT": Speaker.AGENT,
    "AUTOMATED_AGENT": Speaker.BOT,
}

# Pub/Sub attributes Dialogflow sets on recognition results (ConversationProfile docs).
ATTR_ROLE: Final = "participant_role"
ATTR_MESSAGE_ID: Final = "message_id"

# Pub/Sub allows 10 MB messages; Dialogflow's are a few kilobytes. Bigger is not ours.
MAX_DATA_BYTES: Final = 1_000_000
# On shutdown, unfinished messages come back this long after being given up: long enough
# for the stream to be down, so they are not redelivered into it.
GIVE_BACK_SECONDS: Final = 5
# How long Test connection waits for a message on the subscription.
PROBE_SECONDS: Final = 3.0
# Ordering keys whose message was given back stay held this long at most, in case the
# redelivery never comes (it was acknowledged elsewhere, or expired).
ORDERING_HOLD_SECONDS: Final = 120.0
