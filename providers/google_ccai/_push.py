"""Push subscriptions: Google's OIDC token on each request, and the message in its body.

A push subscription with authentication signs every request with a Google ID token
(protocols.md 8.2): RS256 with a key from Google's published set, ``iss`` Google, ``aud`` the
configured audience, ``email`` the subscription's service account with ``email_verified``.
A request failing any of these is refused with :class:`providers.errors.SignatureInvalid`.

Bodies come wrapped (JSON envelope, data in base64) or unwrapped (the data itself, metadata
in ``x-goog-pubsub-*`` headers, attributes as headers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError, MissingClaimError
from joserfc.jws import extract_compact
from pydantic import ValidationError

from providers.base import InboundRequest
from providers.errors import PayloadInvalid, SignatureInvalid
from providers.google_ccai._keys import GoogleKeys
from providers.google_ccai._payloads import PubsubMessage, PushEnvelope
from providers.google_ccai.const import (
    ATTR_MESSAGE_ID,
    ATTR_ROLE,
    GOOGLE_ISSUERS,
    TOKEN_ALGORITHMS,
    TOKEN_LEEWAY_SECONDS,
)

_WRONG_CLAIM = {
    "iss": "was not issued by Google",
    "aud": "was issued for another audience than this endpoint",
    "email": "was signed by another service account than the configured one",
    "email_verified": "names an unverified email",
}
# Headers of an unwrapped push that carry the Dialogflow attributes cuecard reads.
_ATTRIBUTE_HEADERS = (ATTR_ROLE, ATTR_MESSAGE_ID)


async def verify_push_token(
    headers: Mapping[str, str], keys: GoogleKeys, *, audience: str, email: str
) -> dict[str, Any]:
    """The token's claims if the request is genuine; ``SignatureInvalid`` naming why not."""
    token = _bearer(headers)
    try:
        header = extract_compact(token.encode()).headers()
    except (JoseError, ValueError) as err:
        raise SignatureInvalid("the Authorization token is not a JWT") from err
    kid = header.get("kid")
    if not isinstance(kid, str) or header.get("alg") not in TOKEN_ALGORITHMS:
        raise SignatureInvalid("the push token is not an RS256 token with a key id")
    key_set = await keys.for_key_id(kid)
    try:
        decoded = jwt.decode(token, key_set, algorithms=list(TOKEN_ALGORITHMS))
    except (JoseError, ValueError) as err:
        raise SignatureInvalid("the push token's signature is not Google's") from err
    _check_claims(decoded.claims, audience=audience, email=email)
    return decoded.claims


def _bearer(headers: Mapping[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignatureInvalid("no Bearer token: turn on authentication for the push subscription")
    return token.strip()


def _check_claims(claims: dict[str, Any], *, audience: str, email: str) -> None:
    registry = jwt.JWTClaimsRegistry(
        leeway=TOKEN_LEEWAY_SECONDS,
        iss={"essential": True, "values": sorted(GOOGLE_ISSUERS)},
        aud={"essential": True, "value": audience},
        email={"essential": True, "value": email},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as err:
        raise SignatureInvalid("the push token has expired") from err
    except MissingClaimError as err:
        raise SignatureInvalid(f"the push token has no {err.claim!r} claim") from err
    except ClaimError as err:
        problem = _WRONG_CLAIM.get(err.claim, f"has a missing or wrong {err.claim!r} claim")
        raise SignatureInvalid(f"the push token {problem}") from err
    # Google sends a boolean; some libraries a string.
    if claims.get("email_verified") not in (True, "true"):
        raise SignatureInvalid(f"the push token {_WRONG_CLAIM['email_verified']}")


def pushed_message(payload: Any) -> PubsubMessage:
    """The Pub/Sub message in a push request (or its JSON body); ``PayloadInvalid`` if none."""
    if isinstance(payload, InboundRequest):
        headers = {name.lower(): value for name, value in payload.headers.items()}
        if "x-goog-pubsub-message-id" in headers:
            return _unwrapped(payload.body, headers)
        payload = payload.body
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError) as err:
            # Besides malformed text and bad UTF-8 (both ValueErrors): nesting past the
            # recursion limit and integers past 4,300 digits, which were a 500 and a retry.
            raise PayloadInvalid("body: not JSON") from err
    try:
        return PushEnvelope.model_validate(payload).pubsub_message()
    except ValidationError as err:
        error = err.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        raise PayloadInvalid(f"{where}: {error['msg']}") from err
    except ValueError as err:
        raise PayloadInvalid(str(err)) from err


def _unwrapped(body: bytes, headers: Mapping[str, str]) -> PubsubMessage:
    published = headers.get("x-goog-pubsub-publish-time", "")
    try:
        publish_time = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError as err:
        raise PayloadInvalid("x-goog-pubsub-publish-time: not an RFC 3339 time") from err
    subscription = headers.get("x-goog-pubsub-subscription-name", "")
    message_id = headers["x-goog-pubsub-message-id"]
    if not subscription or not message_id:
        raise PayloadInvalid("x-goog-pubsub-subscription-name and -message-id: both needed")
    return PubsubMessage(
        subscription=subscription,
        message_id=message_id,
        data=body,
        publish_time=publish_time if publish_time.tzinfo else publish_time.replace(tzinfo=UTC),
        attributes={name: headers[name] for name in _ATTRIBUTE_HEADERS if name in headers},
        ordering_key=headers.get("x-goog-ordering-key", ""),
    )
