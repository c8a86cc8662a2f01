"""What the OpenID provider double knows: its signing key, one client, its users, and faults.

Tests arrange the world (who is signed in at the provider, which claims to bend, which key
to sign with) and inspect it (codes issued, token requests seen).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from joserfc.jwk import KeySet, RSAKey

KEY_ID = "double-key-1"


def signing_key(kid: str = KEY_ID) -> RSAKey:
    """A fresh RS256 key pair carrying ``kid``."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class Client:
    """The relying party (cuecard) as registered at the provider."""

    client_id: str
    secret: str
    redirect_uris: tuple[str, ...]


@dataclass
class Person:
    """Someone with an account at the provider."""

    subject: str
    email: str | None
    email_verified: bool | str | None = True
    name: str = "Someone"
    # More claims of theirs the provider puts in ID tokens (preferred_username, custom claims).
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass
class Grant:
    """An authorization code and what the token endpoint must check it against."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    subject: str
    expires_at: float


@dataclass
class OidcWorld:
    """The double's whole state. Mutable on purpose: tests drive it."""

    client: Client
    people: dict[str, Person] = field(default_factory=dict)
    # Who the browser is signed in as at the provider: /authorize approves them at once.
    # None: the provider answers ``error=access_denied`` (the person cancelled).
    signed_in: str | None = None
    issuer: str = ""
    key: RSAKey = field(default_factory=signing_key)
    # Faults: claims to overwrite in the next ID tokens, and a key to sign them with
    # instead of the published one (same kid: a forged signature).
    bend_claims: dict[str, Any] = field(default_factory=dict)
    forge_with: RSAKey | None = None
    codes: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def add(self, person: Person) -> Person:
        """Give ``person`` an account at the provider."""
        self.people[person.subject] = person
        return person

    def jwks(self) -> dict[str, Any]:
        """The published key set: public halves only."""
        return dict(KeySet([self.key]).as_dict(private=False))

    def id_token_claims(self, grant: Grant, access_token_hash: str) -> dict[str, Any]:
        """The claims of the ID token for ``grant``, faults applied."""
        person = self.people[grant.subject]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "at_hash": access_token_hash,
            "name": person.name,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if person.email is not None:
            claims["email"] = person.email
        if person.email_verified is not None:
            claims["email_verified"] = person.email_verified
        claims.update(person.claims)
        claims.update(self.bend_claims)
        return {name: value for name, value in claims.items() if value is not None}
