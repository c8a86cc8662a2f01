"""API keys: shown once, stored hashed, checked in constant time, revocable."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.errors import NotFound
from server.store import Store, Tenant


async def test_a_new_key_has_the_documented_shape(store: Store, acme: Tenant) -> None:
    key, plaintext = await store.api_keys.create(acme.id)

    assert re.fullmatch(r"cc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", plaintext)
    assert plaintext.startswith(f"cc_{key.prefix}_")
    assert key.tenant_id == "acme"
    assert key.revoked_at is None


async def test_a_key_authenticates_its_tenant(store: Store, acme: Tenant, globex: Tenant) -> None:
    _, acme_key = await store.api_keys.create(acme.id)
    _, globex_key = await store.api_keys.create(globex.id)

    assert await store.api_keys.authenticate(acme_key) == "acme"
    assert await store.api_keys.authenticate(globex_key) == "globex"


async def test_a_wrong_secret_with_a_real_prefix_is_refused(store: Store, acme: Tenant) -> None:
    _, plaintext = await store.api_keys.create(acme.id)
    last = plaintext[-1]
    forged = plaintext[:-1] + ("A" if last != "A" else "B")

    assert await store.api_keys.authenticate(forged) is None


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "cc_",
        "Bearer xyz",
        "cc_zzzzzzzz_" + "a" * 43,
        "cc_12345678_short",
        "cc_12345678_" + "é" * 43,
    ],
)
async def test_malformed_keys_are_refused_quietly(store: Store, malformed: str) -> None:
    assert await store.api_keys.authenticate(malformed) is None


async def test_a_revoked_key_no_longer_authenticates(store: Store, acme: Tenant) -> None:
    key, plaintext = await store.api_keys.create(acme.id)
    _, other = await store.api_keys.create(acme.id)

    revoked = await store.api_keys.revoke(acme.id, key.id)

    assert revoked.revoked_at is not None
    assert await store.api_keys.authenticate(plaintext) is None
    assert await store.api_keys.authenticate(other) == "acme"
    again = await store.api_keys.revoke(acme.id, key.id)
    assert again.revoked_at == revoked.revoked_at


async def test_a_tenant_cannot_revoke_another_tenants_key(
    store: Store, acme: Tenant, globex: Tenant
) -> None:
    key, plaintext = await store.api_keys.create(acme.id)

    with pytest.raises(NotFound):
        await store.api_keys.revoke(globex.id, key.id)

    assert await store.api_keys.authenticate(plaintext) == "acme"
    assert await store.api_keys.list(globex.id) == []


async def test_keys_are_listed_per_tenant_without_secrets(store: Store, acme: Tenant) -> None:
    first, _ = await store.api_keys.create(acme.id)
    second, _ = await store.api_keys.create(acme.id)

    assert {key.id for key in await store.api_keys.list(acme.id)} == {first.id, second.id}


async def test_keys_for_an_unknown_tenant_are_not_issued(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.api_keys.create("nobody")


async def test_the_database_never_holds_the_plaintext(
    store: Store, acme: Tenant, database_url: str
) -> None:
    _, plaintext = await store.api_keys.create(acme.id)
    secret = plaintext[len("cc_12345678_") :]

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT * FROM api_keys"))).all()
    finally:
        await engine.dispose()

    stored = repr(rows)
    assert len(rows) == 1
    assert plaintext not in stored
    assert secret not in stored
