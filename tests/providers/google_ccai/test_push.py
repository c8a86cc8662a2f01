"""Pushed requests: only Google's token for this endpoint and account gets a message in."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from providers.base import InboundRequest
from providers.errors import PayloadInvalid, ProviderNotReady, SignatureInvalid
from providers.google_ccai import GoogleCcaiAdapter, GoogleCcaiSettings
from providers.google_ccai._keys import GoogleKeys
from providers.google_ccai.const import CERTS_REFETCH_SECONDS
from providers.models import Speaker, Transcript
from tests.doubles.google.identity import (
    PUSH_ACCOUNT,
    PUSH_AUDIENCE,
    GoogleIdentity,
    create_certs_app,
    google_key,
)
from tests.providers.google_ccai.conftest import ccai_settings, fixture_bytes, fixture_json


@pytest.fixture
def google() -> GoogleIdentity:
    return GoogleIdentity()


@pytest.fixture
async def certs_url(google: GoogleIdentity) -> AsyncIterator[str]:
    server = TestServer(create_certs_app(google))
    await server.start_server()
    yield str(server.make_url("/oauth2/v3/certs"))
    await server.close()


@pytest.fixture
def push_settings(certs_url: str) -> GoogleCcaiSettings:
    return ccai_settings(
        subscriptions=[],
        push_audience=PUSH_AUDIENCE,
        service_account_email=PUSH_ACCOUNT,
        google_certs_url=certs_url,
    )


@pytest.fixture
async def adapter(push_settings: GoogleCcaiSettings) -> AsyncIterator[GoogleCcaiAdapter]:
    adapter = GoogleCcaiAdapter(push_settings)
    yield adapter
    await adapter.aclose()


def pushed(token: str | None, body: bytes = b"{}", **headers: str) -> InboundRequest:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return InboundRequest(method="POST", path="/push", headers=headers, body=body)


async def test_googles_token_for_this_endpoint_is_accepted(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    await adapter.verify(pushed(google.token()))


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 3720}, "expired"),
        ({"aud": "https://elsewhere.example/push"}, "another audience"),
        ({"email": "intruder@evil-project.iam.gserviceaccount.com"}, "another service account"),
        ({"email_verified": False}, "unverified email"),
        ({"iss": "https://evil.example"}, "not issued by Google"),
        ({"email": None}, "no 'email' claim"),
        ({"exp": None}, "no 'exp' claim"),
    ],
    ids=[
        "expired",
        "wrong-audience",
        "wrong-email",
        "unverified",
        "wrong-issuer",
        "no-email",
        "no-exp",
    ],
)
async def test_a_token_with_wrong_claims_is_refused(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity, claims: dict[str, Any], reason: str
) -> None:
    with pytest.raises(SignatureInvalid, match=reason):
        await adapter.verify(pushed(google.token(**claims)))


async def test_a_forged_token_is_refused(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    # Signed with a key of the forger's own, under the key id Google publishes.
    forger = google_key(google.keys[0].kid)

    with pytest.raises(SignatureInvalid, match="signature is not Google's"):
        await adapter.verify(pushed(google.token(key=forger)))


async def test_a_tampered_token_is_refused(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    header, _, signature = google.token().split(".")
    claims = (
        base64.urlsafe_b64encode(
            json.dumps(
                {
                    "aud": PUSH_AUDIENCE,
                    "email": PUSH_ACCOUNT,
                    "iss": "https://accounts.google.com",
                    "email_verified": True,
                    "exp": int(time.time()) + 60,
                    "iat": int(time.time()),
                }
            ).encode()
        )
        .rstrip(b"=")
        .decode()
    )

    with pytest.raises(SignatureInvalid, match="signature"):
        await adapter.verify(pushed(f"{header}.{claims}.{signature}"))


@pytest.mark.parametrize(
    "request_",
    [
        pushed(None),
        pushed(None, Authorization="Basic dXNlcjpwYXNz"),
        pushed("not-a-jwt"),
    ],
    ids=["no-header", "basic-auth", "garbage"],
)
async def test_a_request_without_a_google_token_is_refused(
    adapter: GoogleCcaiAdapter, request_: InboundRequest
) -> None:
    with pytest.raises(SignatureInvalid):
        await adapter.verify(request_)


async def test_an_unsigned_or_symmetric_token_is_refused(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    _, claims, _ = google.token().split(".")
    unsigned_header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"google-key-1"}').rstrip(b"=")

    with pytest.raises(SignatureInvalid, match="RS256"):
        await adapter.verify(pushed(f"{unsigned_header.decode()}.{claims}."))


async def test_keys_are_fetched_once_while_google_says_they_are_fresh(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    for _ in range(3):
        await adapter.verify(pushed(google.token()))

    assert google.fetches == 1


async def test_keys_google_says_not_to_cache_are_fetched_each_time(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    google.cache_control = "no-cache, no-store, max-age=0, must-revalidate"
    for _ in range(2):
        await adapter.verify(pushed(google.token()))

    assert google.fetches == 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def keys(certs_url: str) -> AsyncIterator[tuple[GoogleKeys, Clock]]:
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        yield GoogleKeys(certs_url, session, clock=clock), clock


async def test_a_rotated_key_is_fetched_when_a_token_names_it(
    keys: tuple[GoogleKeys, Clock], google: GoogleIdentity
) -> None:
    key_set, clock = keys
    await key_set.for_key_id("google-key-1")
    google.keys.insert(0, google_key("google-key-2"))
    clock.now += CERTS_REFETCH_SECONDS

    found = await key_set.for_key_id("google-key-2")

    assert google.fetches == 2
    assert {key.kid for key in found.keys} == {"google-key-1", "google-key-2"}


async def test_made_up_key_ids_cannot_make_us_fetch_again_and_again(
    keys: tuple[GoogleKeys, Clock], google: GoogleIdentity
) -> None:
    key_set, clock = keys
    await key_set.for_key_id("google-key-1")
    for number in range(5):
        await key_set.for_key_id(f"made-up-{number}")
    assert google.fetches == 1  # within a minute of the last fetch: none
    clock.now += CERTS_REFETCH_SECONDS
    for number in range(5):
        await key_set.for_key_id(f"made-up-{number}")

    assert google.fetches == 2  # a minute later: one


async def test_keys_expire_when_google_says(
    keys: tuple[GoogleKeys, Clock], google: GoogleIdentity
) -> None:
    google.cache_control, google.age = "public, max-age=600", 500
    key_set, clock = keys
    await key_set.for_key_id("google-key-1")
    clock.now += 99
    await key_set.for_key_id("google-key-1")
    assert google.fetches == 1
    clock.now += 1  # 600 s old counting the Age they already had

    await key_set.for_key_id("google-key-1")

    assert google.fetches == 2


async def test_unreachable_keys_mean_retry_later_not_forged(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    google.broken = True

    with pytest.raises(ProviderNotReady):
        await adapter.verify(pushed(google.token()))


async def test_an_integration_without_push_settings_refuses_pushes(google: GoogleIdentity) -> None:
    adapter = GoogleCcaiAdapter(ccai_settings())

    with pytest.raises(SignatureInvalid, match="no push_audience"):
        await adapter.verify(pushed(google.token()))
    await adapter.aclose()


def test_a_wrapped_push_maps_to_its_events(adapter: GoogleCcaiAdapter) -> None:
    body = fixture_bytes("push_envelope.json")

    (event,) = adapter.parse(pushed(None, body))

    assert isinstance(event, Transcript)
    assert event.speaker is Speaker.CUSTOMER
    assert event.text == fixture_json("new_message_end_user.json")["newMessagePayload"]["content"]
    assert adapter.parse(json.loads(body)) == [event]  # the JSON body alone works too


def test_an_unwrapped_push_maps_to_its_events(adapter: GoogleCcaiAdapter) -> None:
    request = pushed(
        None,
        fixture_bytes("recognition_interim.json"),
        **{
            "X-Goog-Pubsub-Message-Id": "88",
            "X-Goog-Pubsub-Publish-Time": "2026-11-21T10:00:01.329Z",
            "X-Goog-Pubsub-Subscription-Name": "projects/acme-ccai/subscriptions/cuecard-push",
            "participant_role": "HUMAN_AGENT",
            "message_id": "m-0002",
        },
    )

    (event,) = adapter.parse(request)

    assert isinstance(event, Transcript)
    assert (event.speaker, event.is_final) == (Speaker.AGENT, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body: not JSON"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "body: not JSON"),
        (b'{"subscription": ' + b"9" * 5_000 + b"}", "body: not JSON"),
        (b'{"subscription": "projects/p/subscriptions/s"}', "message: Field required"),
        (
            json.dumps(
                {
                    "message": {
                        "data": "%%%",
                        "messageId": "1",
                        "publishTime": "2026-11-21T10:00:00Z",
                    },
                    "subscription": "projects/p/subscriptions/s",
                }
            ).encode(),
            "not base64",
        ),
        (
            json.dumps(
                {
                    "message": {
                        "data": base64.b64encode(b"{oops").decode(),
                        "messageId": "1",
                        "publishTime": "2026-11-21T10:00:00Z",
                    },
                    "subscription": "projects/p/subscriptions/s",
                }
            ).encode(),
            "data: not JSON",
        ),
    ],
    ids=["not-json", "too-deep", "huge-integer", "no-message", "data-not-base64", "data-not-json"],
)
def test_a_push_that_can_never_map_is_poison(
    adapter: GoogleCcaiAdapter, body: bytes, field: str
) -> None:
    with pytest.raises(PayloadInvalid, match=field):
        adapter.parse(pushed(None, body))

    assert adapter.counts.rejected == 1
    assert adapter.counts.last_rejection is not None


async def test_the_connection_check_fetches_googles_keys(
    adapter: GoogleCcaiAdapter, google: GoogleIdentity
) -> None:
    found = await adapter.probe()

    assert google.fetches == 1
    assert PUSH_ACCOUNT in found
