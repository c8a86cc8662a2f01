"""Verified API keys are remembered briefly; unknown keys are never remembered."""

from __future__ import annotations

import time

import pytest

from server.auth.apikeys import ApiKeyAuthenticator


class CountingKeys:
    """A key table of one valid key that counts how often it is asked."""

    def __init__(self) -> None:
        self.valid = {"cc_good": "acme"}
        self.lookups = 0

    async def authenticate(self, plaintext: str) -> str | None:
        self.lookups += 1
        return self.valid.get(plaintext)


async def test_a_verified_key_is_looked_up_once_within_the_ttl() -> None:
    keys = CountingKeys()
    auth = ApiKeyAuthenticator(keys)

    tenants = [await auth.tenant_for("cc_good") for _ in range(5)]

    assert tenants == ["acme"] * 5
    assert keys.lookups == 1


async def test_unknown_keys_are_always_checked() -> None:
    keys = CountingKeys()
    auth = ApiKeyAuthenticator(keys)

    assert [await auth.tenant_for("cc_bad") for _ in range(3)] == [None, None, None]
    assert keys.lookups == 3


async def test_a_revoked_key_stops_working_after_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = CountingKeys()
    auth = ApiKeyAuthenticator(keys, ttl_seconds=30)
    assert await auth.tenant_for("cc_good") == "acme"
    del keys.valid["cc_good"]
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 31)

    assert await auth.tenant_for("cc_good") is None


async def test_a_key_asked_about_afresh_is_refused_as_soon_as_it_is_revoked() -> None:
    keys = CountingKeys()
    auth = ApiKeyAuthenticator(keys, ttl_seconds=30)
    assert await auth.tenant_for("cc_good") == "acme"
    del keys.valid["cc_good"]

    assert await auth.tenant_for("cc_good", remembered=False) is None
    assert await auth.tenant_for("cc_good") is None  # and forgotten by the cache too
