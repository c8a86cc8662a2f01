"""Checking an OpenID Connect ID token: its signature against the provider's keys, then its claims.

Shared by admin single sign-on and agents' sign-in through their tenant's identity provider.
The signature is verified with joserfc against the provider's published JWKS (fetched again
once when a token names a key id not seen yet: the provider rotated its keys); authlib's
``CodeIDToken`` then checks ``iss``, ``aud``, ``azp``, ``exp``, ``iat``, ``nonce`` and
``at_hash``. Every refusal is the client's ``terms.token_invalid`` with a message saying
which check failed. Example::

    tokens = await client.exchange_code(code, code_verifier=v, redirect_uri=cb)
    claims = await verified_claims(client, tokens, nonce=pending.nonce)
    claims["sub"], claims.get("email")
"""

from __future__ import annotations

from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError

from server.auth.oidc_client import OidcClient, OidcTerms, TokenResponse

# Clock skew tolerated on exp, nbf and iat.
LEEWAY_SECONDS = 60
_WRONG_CLAIM = {
    "iss": "was issued by another identity provider",
    "aud": "was issued to another client",
    "azp": "was issued to another client",
    "nonce": "does not belong to this sign-in (its nonce differs)",
    "at_hash": "does not match its access token",
}


async def verified_claims(client: OidcClient, tokens: TokenResponse, *, nonce: str) -> Any:
    """The claims of the token response's ID token, once its signature and claims check out."""
    terms = client.terms
    if tokens.id_token is None:
        raise terms.token_invalid(
            "the identity provider returned no ID token; allow the openid scope for cuecard"
        )
    decoded = await _decode(client, tokens.id_token)
    metadata = await client.metadata()
    return check_claims(
        decoded,
        terms,
        issuer=metadata.issuer,
        client_id=client.client_id,
        nonce=nonce,
        access_token=tokens.access_token.get_secret_value(),
    )


async def _decode(client: OidcClient, id_token: str) -> jwt.Token:
    algorithms = (await client.metadata()).algorithms
    try:
        try:
            return jwt.decode(id_token, await client.key_set(), algorithms=algorithms)
        except InvalidKeyIdError:
            # A key id we have not seen: the provider may have rotated its keys.
            keys = await client.key_set(refresh=True)
            return jwt.decode(id_token, keys, algorithms=algorithms)
    except (JoseError, ValueError) as err:
        raise client.terms.token_invalid(
            "the ID token's signature does not verify against the identity provider's "
            "published keys"
        ) from err


def check_claims(
    decoded: jwt.Token,
    terms: OidcTerms,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    access_token: str,
) -> Any:
    """The ID token's claims once iss, aud, exp, nonce (and azp, at_hash) check out."""
    options = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
    }
    params = {"nonce": nonce, "client_id": client_id, "access_token": access_token}
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except ExpiredTokenError as err:
        raise terms.token_invalid("the ID token has expired; please sign in again") from err
    except ClaimError as err:
        problem = _WRONG_CLAIM.get(err.claim, f"has a missing or wrong {err.claim!r} claim")
        raise terms.token_invalid(f"the ID token {problem}; please sign in again") from err
    return claims
