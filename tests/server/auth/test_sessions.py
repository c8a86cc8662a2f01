"""Agent sessions renew with rotating refresh tokens and end with the Genesys sign-in."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from aiohttp.test_utils import TestClient

from server.auth.tokens import TokenService
from server.keys import STATE
from tests.doubles.genesys.world import GenesysWorld
from tests.fixtures.genesys import AGENT_CLIENT, sign_in


async def refresh(client: TestClient[Any, Any], refresh_token: str) -> tuple[int, Any]:
    response = await client.post("/auth/session/refresh", json={"refresh_token": refresh_token})
    return response.status, await response.json()


async def test_a_refresh_gives_a_new_token_and_a_new_refresh_token(
    client: TestClient[Any, Any], tokens: TokenService
) -> None:
    session = await sign_in(client)
    status, renewed = await refresh(client, session["refresh_token"])
    assert status == 200
    assert renewed["refresh_token"] != session["refresh_token"]
    assert tokens.verify(renewed["token"]).agent_id == "u-ada"
    assert renewed["agent"]["name"] == "Ada Agent"


async def test_a_used_refresh_token_is_refused_and_ends_the_session(
    client: TestClient[Any, Any],
) -> None:
    session = await sign_in(client)
    _, renewed = await refresh(client, session["refresh_token"])
    status, body = await refresh(client, session["refresh_token"])
    assert status == 401
    assert body["code"] == "refresh_refused"
    # The reuse may be a stolen token: the rotated one stops working too.
    status, _ = await refresh(client, renewed["refresh_token"])
    assert status == 401


async def test_a_refresh_body_must_name_its_token(client: TestClient[Any, Any]) -> None:
    response = await client.post("/auth/session/refresh", json={})
    body = await response.json()
    assert response.status == 422
    assert body["field"] == "refresh_token"


async def test_the_session_ends_with_the_genesys_sign_in(
    client: TestClient[Any, Any], genesys_world: GenesysWorld
) -> None:
    # Without a Genesys refresh token the sign-in lasts as long as the access token.
    genesys_world.clients[AGENT_CLIENT].grants = frozenset({"authorization_code"})
    genesys_world.token_ttl = 1
    session = await sign_in(client)
    await asyncio.sleep(1.1)
    status, body = await refresh(client, session["refresh_token"])
    assert status == 401
    assert body["code"] == "platform_session_expired"
    assert "sign in again" in body["message"]


async def test_a_session_from_before_sessions_recorded_their_platform_still_renews(
    client: TestClient[Any, Any],
) -> None:
    session = await sign_in(client)
    # Store the session as the server did before it recorded the platform signed in with.
    state = client.app[STATE]
    key = "session-refresh:" + hashlib.sha256(session["refresh_token"].encode()).hexdigest()
    family = json.loads(await state.take_ephemeral(key) or "{}")
    assert family.pop("platform") == "genesys"
    await state.put_ephemeral(key, json.dumps(family), 3600)

    status, renewed = await refresh(client, session["refresh_token"])

    assert status == 200, renewed
    assert renewed["agent"]["id"] == "u-ada"
