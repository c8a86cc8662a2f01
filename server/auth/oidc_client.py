"""An OpenID provider over HTTP: its discovery document, its keys, its token endpoint.

The one module of OpenID Connect sign-in that talks to the network (aiohttp), for admin single
sign-on and for agents signing in through their tenant's identity provider alike; each names
its own errors and settings through :class:`OidcTerms`. authlib supplies the protocol:
discovery metadata validation (OpenID Connect Discovery 1.0), the authorization request,
client authentication and the token request (RFC 6749, RFC 7636). No token or secret is logged
or put in an error message.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from server.auth.pkce import FlowStart
from server.errors import CuecardError

log = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/openid-configuration"
FORM = "application/x-www-form-urlencoded"
# Asymmetric algorithms only: "none" and HMAC (keyed with the client secret) never sign in.
SIGNING_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
METADATA_SECONDS = 3600.0
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError)
# Codes the token endpoint refuses a code with (RFC 6749 5.2): the admin must start again.
_CODE_REFUSED = frozenset({"invalid_grant", "invalid_request", "unauthorized_client"})
_OAUTH_ERROR = re.compile(r"[a-z_]{1,64}")


@dataclass(frozen=True, slots=True)
class OidcTerms:
    """How one use of OpenID Connect names its failures and the settings behind them."""

    # The provider is unreachable or answered something unusable (an HTTP 502 for the user).
    unavailable: type[CuecardError]
    # The code or the ID token did not check out: the person must sign in again.
    token_invalid: type[CuecardError]
    # Where the issuer, and the client id and secret, are configured (named in errors).
    issuer_setting: str
    client_settings: str
    # What the sign-in is for, in the lifecycle log.
    purpose: str


class ProviderMetadata(BaseModel):
    """What cuecard uses of the provider's discovery document."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    id_token_signing_alg_values_supported: tuple[str, ...]
    token_endpoint_auth_methods_supported: tuple[str, ...] = ("client_secret_basic",)

    @property
    def algorithms(self) -> list[str]:
        """The ID token algorithms both sides accept."""
        offered = self.id_token_signing_alg_values_supported
        return [name for name in SIGNING_ALGORITHMS if name in offered]


class TokenResponse(BaseModel):
    """The token endpoint's answer (RFC 6749 5.1 plus OpenID Connect's ``id_token``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: SecretStr
    token_type: str
    id_token: str | None = None


class OidcClient:
    """Discovery, keys and code exchange for one configured issuer and client."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        issuer: str,
        client_id: str,
        client_secret: SecretStr,
        terms: OidcTerms,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self.terms = terms
        self._issuer = issuer
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None

    @property
    def client_id(self) -> str:
        """The client id cuecard is registered under; the ID token's audience."""
        return self._client_id

    async def authorize_url(self, start: FlowStart, *, redirect_uri: str, scope: str) -> str:
        """Where the browser goes: Authorization Code with PKCE (S256) and the flow's nonce."""
        metadata = await self.metadata()
        url = prepare_grant_uri(
            metadata.authorization_endpoint,
            self._client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=scope,
            state=start.state,
            nonce=start.nonce,
            code_challenge=start.code_challenge,
            code_challenge_method="S256",
        )
        return str(url)

    async def metadata(self) -> ProviderMetadata:
        """The discovery document, fetched on first use and again every hour."""
        if self._metadata is None or self._clock() - self._metadata_at > METADATA_SECONDS:
            self._metadata = await self._discover()
            self._metadata_at = self._clock()
        return self._metadata

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The provider's signing keys; ``refresh`` after meeting an unknown key id.

        ID tokens reach cuecard only from the token endpoint (never from the browser), so an
        unknown key id comes from the provider itself and refetching cannot be abused.
        """
        if self._keys is None or refresh:
            metadata = await self.metadata()
            body = await self._get_json(metadata.jwks_uri, "its signing keys")
            try:
                self._keys = KeySet.import_key_set(body)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as err:
                raise self.terms.unavailable(
                    f"the identity provider's jwks_uri ({metadata.jwks_uri}) is not a key set"
                ) from err
        return self._keys

    async def exchange_code(
        self, code: str, *, code_verifier: str, redirect_uri: str
    ) -> TokenResponse:
        """Trade an authorization code (and its PKCE verifier) for tokens."""
        metadata = await self.metadata()
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )
        auth = ClientAuth(
            self._client_id, self._client_secret.get_secret_value(), _auth_method(metadata)
        )
        headers = {"Content-Type": FORM, "Accept": "application/json"}
        url, headers, body = auth.prepare("POST", metadata.token_endpoint, headers, body)
        try:
            async with self._session.post(url, data=body, headers=headers) as response:
                status, answer = response.status, await _json_or_none(response)
        except NETWORK_ERRORS as err:
            raise self.terms.unavailable(
                f"cannot reach the identity provider's token endpoint ({type(err).__name__})"
            ) from err
        if status == 200:
            return _token_response(answer, self.terms)
        raise _token_error(status, answer, self.terms)

    async def _discover(self) -> ProviderMetadata:
        url = self._issuer.rstrip("/") + WELL_KNOWN
        body = await self._get_json(url, "its discovery document")
        try:
            OpenIDProviderMetadata(body).validate()
            metadata = ProviderMetadata.model_validate(body)
        except ValidationError as err:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in err.errors())
            raise self.terms.unavailable(f"the discovery document at {url} lacks {fields}") from err
        except ValueError as err:
            raise self.terms.unavailable(
                f"the discovery document at {url} is invalid: {err}"
            ) from err
        _check_metadata(metadata, self._issuer, self.terms)
        log.info("%s: discovered %s", self.terms.purpose, metadata.issuer)
        return metadata

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with self._session.get(url, headers={"Accept": "application/json"}) as response:
                status, body = response.status, await _json_or_none(response)
        except NETWORK_ERRORS as err:
            raise self.terms.unavailable(
                f"cannot reach the identity provider for {what} at {url} ({type(err).__name__})"
            ) from err
        if status != 200 or not isinstance(body, dict):
            raise self.terms.unavailable(
                f"the identity provider answered HTTP {status} without JSON for {what} at {url}"
            )
        return body


def _check_metadata(metadata: ProviderMetadata, issuer: str, terms: OidcTerms) -> None:
    # OpenID Connect Discovery 4.3: the document must name exactly the configured issuer.
    if metadata.issuer != issuer:
        raise terms.unavailable(
            f"the discovery document names the issuer {metadata.issuer!r}, "
            f"but {terms.issuer_setting} is {issuer!r}; they must be identical"
        )
    if not metadata.algorithms:
        offered = ", ".join(metadata.id_token_signing_alg_values_supported)
        raise terms.unavailable(f"the identity provider signs ID tokens only with {offered}")


def _auth_method(metadata: ProviderMetadata) -> str:
    # client_secret_basic is the default (OpenID Connect Core 9); post only if basic is absent.
    methods = metadata.token_endpoint_auth_methods_supported
    if "client_secret_basic" not in methods and "client_secret_post" in methods:
        return "client_secret_post"
    return "client_secret_basic"


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def _token_response(answer: Any, terms: OidcTerms) -> TokenResponse:
    try:
        return TokenResponse.model_validate(answer)
    except ValidationError as err:
        raise terms.unavailable("the identity provider's token response is not valid") from err


def _token_error(status: int, answer: Any, terms: OidcTerms) -> Exception:
    error = answer.get("error") if isinstance(answer, dict) else None
    code = error if isinstance(error, str) and _OAUTH_ERROR.fullmatch(error) else None
    if code == "invalid_client":
        return terms.unavailable(
            "the identity provider refused cuecard's client credentials (invalid_client): "
            f"check {terms.client_settings}"
        )
    if code in _CODE_REFUSED:
        return terms.token_invalid(
            f"the identity provider refused this sign-in's code ({code}); please sign in again"
        )
    return terms.unavailable(
        f"the identity provider's token endpoint answered HTTP {status}"
        + (f" ({code})" if code else "")
    )
