"""Agents' platform tokens in custody: sealed per platform, and readable across the upgrade."""

from __future__ import annotations

import time
from typing import Any

from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from server.auth.custody import HeldGrant
from server.keys import AGENT_TOKENS, STATE
from server.secret_box import SecretBox
from tests.doubles.genesys.world import GenesysWorld
from tests.fixtures.app import SECRET
from tests.fixtures.genesys import sign_in

# How agents' Genesys tokens were sealed and keyed when custody served Genesys only.
LEGACY_CONTEXT = b"cuecard/genesys/agent-tokens/v1"
LEGACY_KEY = "genesys-token:acme:u-old"


async def test_a_token_sealed_before_the_platform_keyed_custody_is_still_used(
    client: TestClient[Any, Any],
) -> None:
    held = HeldGrant(access_token=SecretStr("legacy-access"), expires_at=time.time() + 3600)
    sealed = SecretBox(SECRET, LEGACY_CONTEXT).seal(held.model_dump_json()).ciphertext
    await client.app[STATE].put_ephemeral(LEGACY_KEY, sealed, 3600)

    custody = client.app[AGENT_TOKENS]
    assert await custody.signed_in("genesys", "acme", "u-old")
    settings: Any = None  # a fresh token needs no refresh, so no settings
    token = await custody.access_token("genesys", "acme", "u-old", settings)
    assert token.get_secret_value() == "legacy-access"


async def test_the_token_is_sealed_and_scoped_to_its_platform_and_tenant(
    client: TestClient[Any, Any], genesys_world: GenesysWorld
) -> None:
    await sign_in(client)
    custody, state = client.app[AGENT_TOKENS], client.app[STATE]
    sealed = await state.get_ephemeral("genesys-token:acme:u-ada")
    assert sealed is not None
    [issued] = [value for value, token in genesys_world.tokens.items() if token.user_id == "u-ada"]
    assert issued not in sealed
    assert await custody.signed_in("genesys", "acme", "u-ada")
    assert not await custody.signed_in("genesys", "globex", "u-ada")
    assert not await custody.signed_in("otherdesk", "acme", "u-ada")


async def test_an_unknown_platform_has_no_sign_in_route(client: TestClient[Any, Any]) -> None:
    response = await client.get(
        "/auth/otherdesk/login", params={"tenant": "acme", "nonce": "n" * 24}
    )
    assert response.status == 404
    assert (await response.json())["code"] == "not_found"
