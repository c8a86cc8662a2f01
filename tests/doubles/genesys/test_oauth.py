"""The double's token endpoint follows the documented client-credentials grant."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestClient

from tests.doubles.genesys.app import create_double
from tests.doubles.genesys.world import GenesysWorld, OAuthClient


async def test_client_credentials_token_works_on_the_api(aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    world = GenesysWorld(clients={"svc": OAuthClient("svc", secret="s3cret")})
    client: TestClient = await aiohttp_client(create_double(world))  # type: ignore[type-arg]
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": aiohttp.encode_basic_auth("svc", "s3cret")},
    )
    body = await response.json()
    assert response.status == 200
    assert body["token_type"] == "bearer"
    assert world.tokens[body["access_token"]].client_id == "svc"


async def test_wrong_secret_is_refused(aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    world = GenesysWorld(clients={"svc": OAuthClient("svc", secret="s3cret")})
    client: TestClient = await aiohttp_client(create_double(world))  # type: ignore[type-arg]
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": aiohttp.encode_basic_auth("svc", "wrong")},
    )
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"
