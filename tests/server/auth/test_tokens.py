"""Session tokens: only tokens signed with the server's key, unexpired and for this audience,
verify, each to the one tenant and agent it names, whichever form the token takes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import orjson
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from pydantic import SecretStr

from server.auth.tokens import ALGORITHM, AUDIENCE, ISSUER, TokenService
from server.errors import TokenExpired, Unauthenticated

KEY = "k" * 48
tokens = TokenService(SecretStr(KEY), ttl_seconds=600)


def claims(**changes: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "agent-1",
        "tid": "acme",
        "iat": now,
        "exp": now + 600,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def signed(header: dict[str, object], body: dict[str, object], key: str = KEY) -> str:
    return jwt.encode(header, body, OctKey.import_key(key))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed(header: str, payload: str) -> str:
    """``header.payload`` with a valid HS256 signature under the server's key."""
    mac = hmac.new(KEY.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(mac)}"


def test_a_minted_token_verifies_to_its_tenant_and_agent() -> None:
    identity = tokens.verify(tokens.mint("acme", "agent-1", supervisor=True))
    assert (identity.tenant_id, identity.agent_id, identity.supervisor) == ("acme", "agent-1", True)
    assert identity.expires_at > time.time()


def test_a_token_in_another_form_but_signed_with_the_key_verifies_the_same() -> None:
    other_form = signed({"alg": ALGORITHM, "kid": "2026"}, claims())
    identity = tokens.verify(other_form)
    assert (identity.tenant_id, identity.agent_id) == ("acme", "agent-1")


def test_a_token_moved_to_another_tenant_is_refused() -> None:
    header, _, signature = tokens.mint("acme", "agent-1").split(".")
    moved = b64(orjson.dumps(claims(tid="globex")))
    with pytest.raises(Unauthenticated):
        tokens.verify(f"{header}.{moved}.{signature}")


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: TokenService(SecretStr("another-key-" + "z" * 40), 600).mint("acme", "agent-1"),
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character of the signature
        lambda t: t + "=",  # the signature's encoding padded
        lambda t: t.rsplit(".", 1)[0] + ".",  # no signature
        lambda t: t.rsplit(".", 1)[0],  # two parts
        lambda t: t + ".extra",  # four parts
        lambda t: t.split(".")[0] + ".!!!." + t.split(".")[2],  # not base64
    ],
    ids=[
        "other key",
        "signature changed",
        "padded",
        "empty signature",
        "two parts",
        "four parts",
        "garbled payload",
    ],
)
def test_a_forged_or_mangled_token_is_refused(forge: object) -> None:
    with pytest.raises(Unauthenticated):
        tokens.verify(forge(tokens.mint("acme", "agent-1")))  # type: ignore[operator]


def test_an_unsigned_token_is_refused() -> None:
    header = b64(orjson.dumps({"alg": "none", "typ": "JWT"}))
    with pytest.raises(Unauthenticated):
        tokens.verify(f"{header}.{b64(orjson.dumps(claims()))}.")


def test_a_signed_payload_that_is_not_a_json_object_is_refused() -> None:
    header = tokens.mint("acme", "agent-1").split(".")[0]
    for payload in (b64(b"[1, 2]"), b64(b"not json")):
        with pytest.raises(Unauthenticated):
            tokens.verify(hand_signed(header, payload))


def test_a_token_hand_signed_in_the_minted_form_verifies() -> None:
    header = tokens.mint("acme", "agent-1").split(".")[0]
    identity = tokens.verify(hand_signed(header, b64(orjson.dumps(claims(tid="globex")))))
    assert identity.tenant_id == "globex"


@pytest.mark.parametrize(
    "body",
    [
        claims(aud="another-audience"),
        claims(iss="someone-else"),
        claims(tid=None),
        claims(sub=None),
    ],
    ids=["audience", "issuer", "no tenant", "no agent"],
)
def test_a_token_signed_with_the_key_for_something_else_is_refused(body: dict[str, object]) -> None:
    for token in (signed({"alg": ALGORITHM}, body), signed({"alg": ALGORITHM, "kid": "x"}, body)):
        with pytest.raises(Unauthenticated):
            tokens.verify(token)


def test_an_expired_token_is_refused_in_either_form() -> None:
    expired = claims(exp=int(time.time()) - 5)
    with pytest.raises(TokenExpired):
        tokens.verify(tokens.mint("acme", "agent-1", ttl_seconds=-5))
    with pytest.raises(TokenExpired):
        tokens.verify(signed({"alg": ALGORITHM, "kid": "x"}, expired))


@pytest.mark.parametrize("token", [None, "", 42, "not-a-token"])
def test_what_is_not_a_token_is_refused(token: object) -> None:
    with pytest.raises(Unauthenticated):
        tokens.verify(token)
