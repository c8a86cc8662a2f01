"""Settings refuse half-configured or unsafe single sign-on before the server starts."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from server.config import Settings
from tests.fixtures.app import SECRET


def test_sso_is_off_unless_configured() -> None:
    assert not Settings(secret_key=SECRET).oidc_enabled


def test_sso_needs_issuer_client_id_and_secret_together() -> None:
    with pytest.raises(ValidationError, match="CUECARD_OIDC_CLIENT_SECRET together"):
        Settings(secret_key=SECRET, oidc_issuer="https://idp.example", oidc_client_id="cuecard")


@pytest.mark.parametrize(
    "issuer", ["http://idp.example", "https://idp.example/?tenant=a", "idp.example"]
)
def test_the_issuer_must_be_https_without_query(issuer: str) -> None:
    with pytest.raises(ValidationError, match="must be an https URL without query or fragment"):
        Settings(
            secret_key=SECRET,
            oidc_issuer=issuer,
            oidc_client_id="cuecard",
            oidc_client_secret="s3cret",
        )


@pytest.mark.parametrize(
    "key", ["a" * 32, "ab" * 16, "password" * 4, "0123456789" * 4, "x" * 31 + "y"]
)
def test_an_obviously_weak_signing_key_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="CUECARD_SECRET_KEY is too predictable") as refused:
        Settings(secret_key=key)

    assert key not in str(refused.value)


@pytest.mark.parametrize(
    "make",
    [lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(16)],
    ids=["urlsafe", "hex"],
)
def test_generated_signing_keys_are_accepted(make: Callable[[], str]) -> None:
    for _ in range(200):
        Settings(secret_key=make())
