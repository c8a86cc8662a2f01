"""The Salesforce double refuses what Salesforce refuses (it is not a yes-machine)."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from tests.doubles.salesforce.world import CONSUMER_KEY, SalesforceWorld
from tests.fixtures.salesforce import INTEGRATION_USER, app_keys
from tests.providers.salesforce.conftest import fixture

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def assertion(**claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": CONSUMER_KEY,
        "sub": INTEGRATION_USER,
        "aud": "https://login.salesforce.com",
        "exp": now + 170,
        **claims,
    }
    return jwt.encode({"alg": "RS256"}, body, RSAKey.import_key(app_keys().private_pem))


async def token(http: aiohttp.ClientSession, world: SalesforceWorld, signed: str) -> Any:
    form = {"grant_type": JWT_GRANT, "assertion": signed}
    async with http.post(world.base_url + "/services/oauth2/token", data=form) as response:
        return response.status, await response.json()


async def bearer(http: aiohttp.ClientSession, world: SalesforceWorld) -> dict[str, str]:
    status, body = await token(http, world, assertion())
    assert status == 200, body
    return {"Authorization": f"Bearer {body['access_token']}"}


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"exp": int(time.time()) + 3600}, "expired authorization code"),
        ({"exp": int(time.time()) - 10}, "expired authorization code"),
        ({"aud": "https://test.salesforce.com"}, "audience is invalid"),
        ({"sub": "nobody@acme.example"}, "user hasn't approved this consumer"),
    ],
)
async def test_jwt_bearer_assertions_are_checked(
    double: TestServer,
    world: SalesforceWorld,
    http: aiohttp.ClientSession,
    claims: dict[str, Any],
    description: str,
) -> None:
    status, body = await token(http, world, assertion(**claims))
    assert (status, body["error_description"]) == (400, description)


async def test_an_hmac_signed_assertion_is_refused(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    now = int(time.time())
    claims = {"iss": CONSUMER_KEY, "sub": INTEGRATION_USER, "aud": world.audience, "exp": now + 60}
    forged = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key("k" * 32))
    status, body = await token(http, world, forged)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_an_unregistered_redirect_uri_is_never_redirected_to(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    url = (
        f"{world.base_url}/services/oauth2/authorize?response_type=code&client_id="
        f"{CONSUMER_KEY}&redirect_uri=https://evil.example/cb&code_challenge=x"
    )
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 400
        assert "Location" not in response.headers


async def test_every_rest_answer_carries_the_limit_header_refusals_included(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    headers = await bearer(http, world)
    url = world.base_url + "/services/data/v66.0/limits"
    world.faults.limit_exceeded = 1
    async with http.get(url, headers=headers) as refused:
        assert refused.status == 403
        assert refused.headers["Sforce-Limit-Info"] == "api-usage=0/100000"
        assert await refused.json() == fixture("error_request_limit.json")
    async with http.get(url, headers=headers) as accepted:
        assert accepted.headers["Sforce-Limit-Info"] == "api-usage=1/100000"
    async with http.get(url) as anonymous:
        assert anonymous.status == 401
        assert (await anonymous.json())[0]["errorCode"] == "INVALID_SESSION_ID"


async def test_an_all_or_none_composite_halts_in_the_recorded_shape(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    session_id = world.insert("MessagingSession", CaseId=None)
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "GET",
                "referenceId": "session",
                "url": f"/services/data/v66.0/sobjects/MessagingSession/{session_id}?fields=CaseId",
            },
            {
                "method": "PATCH",
                "referenceId": "task",
                "url": "/services/data/v66.0/sobjects/Task/Cuecard_Id__c/c-1",
                "body": {"WhatId": "500Ho00000NoSuchAAA"},
            },
        ],
    }
    async with http.post(
        world.base_url + "/services/data/v66.0/composite",
        json=body,
        headers=await bearer(http, world),
    ) as response:
        answer = await response.json()
    assert response.status == 200
    assert answer == fixture("composite_halted.json")


async def test_soql_outside_the_subset_or_schema_is_refused(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    headers = await bearer(http, world)
    for query, code in [
        ("SELECT Id FROM Case WHERE Nope__c = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Nothing", "INVALID_TYPE"),
        ("SELECT Id FROM Case WHERE Subject LIKE 'x%'", "MALFORMED_QUERY"),
    ]:
        url = world.base_url + "/services/data/v66.0/query"
        async with http.get(url, params={"q": query}, headers=headers) as response:
            assert response.status == 400
            assert (await response.json())[0]["errorCode"] == code
