"""Settings of a Salesforce Service Cloud integration: the org, its External Client App, the key."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from providers.base import SECRET_DESTINATION, ProviderSettings
from providers.salesforce.const import (
    API_VERSION,
    DEFAULT_BUDGET,
    ORGANIZATION_PREFIX,
    LimitBudget,
)

# My Domain host suffixes and the Lightning host suffix each one serves pages from.
LIGHTNING_SUFFIXES = {
    ".my.salesforce.com": ".lightning.force.com",
    ".my.salesforce.mil": ".lightning.crmforce.mil",
}
_ID_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.DOTALL)

ApiName = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
]


class SalesforceSettings(ProviderSettings):
    """A tenant's Salesforce org and the External Client App cuecard uses there.

    One External Client App serves both flows: agents sign in through it with Authorization
    Code + PKCE, and the server writes wrap-up Tasks through its JWT bearer flow as the
    integration user ``username``, signing with ``private_key`` (whose certificate is uploaded
    to the app). ``lightning_origins`` only needs setting when the Lightning domain cannot be
    derived from ``my_domain_url`` (see docs/salesforce.md).
    """

    my_domain_url: AnyHttpUrl = Field(
        json_schema_extra=SECRET_DESTINATION,
        description="The org's My Domain URL, e.g. https://acme.my.salesforce.com.",
    )
    organization_id: str = Field(
        description="The org id (00D..., 15 or 18 characters); agents of any other org are refused."
    )
    # The consumer key is a public client id (authorize URLs carry it), not a secret.
    consumer_key: str = Field(
        min_length=8,
        max_length=256,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="Consumer key of the External Client App (OAuth settings).",
    )
    consumer_secret: SecretStr | None = Field(
        default=None,
        description="Only if the app requires a secret for the web server flow.",
    )
    username: str = Field(
        description="Salesforce username of the integration user the JWT bearer flow signs in "
        "as; it must be pre-authorized for the app.",
        min_length=3,
        max_length=80,
    )
    private_key: SecretStr = Field(
        description="PEM RSA private key whose certificate is uploaded to the app (RS256)."
    )
    login_url: AnyHttpUrl = Field(
        json_schema_extra=SECRET_DESTINATION,
        default=AnyHttpUrl("https://login.salesforce.com"),
        description="Audience of the JWT bearer assertion: https://test.salesforce.com for a "
        "sandbox.",
    )
    lightning_origins: tuple[AnyHttpUrl, ...] = Field(
        default=(),
        description="Origins of the Lightning pages that frame the widget, when they are not "
        "<my domain>.lightning.force.com.",
    )
    api_version: str = Field(
        default=API_VERSION,
        pattern=r"^v\d{2,3}\.0$",
        description="REST API version, e.g. v66.0.",
    )
    task_external_id_field: ApiName = Field(
        default="Cuecard_Id__c",
        description="External ID field on Task (Activity) that makes wrap-up writes idempotent.",
    )
    api_limit_probes: int = Field(
        default=DEFAULT_BUDGET.probes,
        ge=1,
        le=100,
        description="When the org answers REQUEST_LIMIT_EXCEEDED, at most this many requests "
        "probe it (backing off) before cuecard pauses its writes for the cool-down.",
    )
    api_limit_cooldown_seconds: int = Field(
        default=int(DEFAULT_BUDGET.cooldown),
        ge=1,
        le=86_400,
        description="How long writes pause after the probes are spent; they wait in the "
        "outbox meanwhile and are applied afterwards.",
    )

    @field_validator("my_domain_url", "login_url")
    @classmethod
    def _secure(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if url.scheme != "https" and not _loopback(url.host):
            raise ValueError("must be an https URL")
        return url

    @field_validator("organization_id")
    @classmethod
    def _organization(cls, value: str) -> str:
        return org_id_18(value.strip())

    @field_validator("private_key")
    @classmethod
    def _rsa_key(cls, value: SecretStr) -> SecretStr:
        value = SecretStr(normalise_pem(value.get_secret_value()))
        try:
            key = RSAKey.import_key(value.get_secret_value())
        except (JoseError, ValueError, TypeError) as err:
            raise ValueError("must be a PEM-encoded RSA private key") from err
        if not key.is_private:
            raise ValueError("is a public key or certificate; paste the private key")
        return value

    @model_validator(mode="after")
    def _lightning_known(self) -> SalesforceSettings:
        if not self.lightning_origins and lightning_origin(self.my_domain_url) is None:
            raise ValueError(
                "lightning_origins: cannot derive the Lightning domain from my_domain_url "
                f"{self.base_url}; set lightning_origins"
            )
        return self

    @property
    def base_url(self) -> str:
        """My Domain URL without a trailing slash: OAuth endpoints and (before the token
        says otherwise) the REST API live there."""
        return str(self.my_domain_url).rstrip("/")

    @property
    def limit_budget(self) -> LimitBudget:
        """What a REQUEST_LIMIT_EXCEEDED storm may cost the org (``const.LimitBudget``)."""
        return DEFAULT_BUDGET._replace(
            probes=self.api_limit_probes, cooldown=float(self.api_limit_cooldown_seconds)
        )

    @property
    def audience(self) -> str:
        """The JWT bearer assertion's ``aud``."""
        return str(self.login_url).rstrip("/")

    @property
    def frame_origins(self) -> tuple[str, ...]:
        """Origins of the Lightning pages that frame the widget."""
        if self.lightning_origins:
            return tuple(str(origin).rstrip("/") for origin in self.lightning_origins)
        derived = lightning_origin(self.my_domain_url)
        return (derived,) if derived else ()


def normalise_pem(text: str) -> str:
    """A PEM block with its line breaks back: a browser's one-line input field drops them."""
    match = _PEM.search(text)
    if match is None:
        return text
    label, body = match.group(1), "".join(match.group(2).split())
    lines = [body[start : start + 64] for start in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def lightning_origin(my_domain_url: AnyHttpUrl) -> str | None:
    """``https://acme.lightning.force.com`` for ``https://acme.my.salesforce.com`` (sandbox and
    developer-edition domains keep their middle part); None for any other host."""
    host = (my_domain_url.host or "").lower()
    for my_suffix, lightning_suffix in LIGHTNING_SUFFIXES.items():
        if host.endswith(my_suffix) and len(host) > len(my_suffix):
            return f"https://{host.removesuffix(my_suffix)}{lightning_suffix}"
    return None


def org_id_18(value: str) -> str:
    """The 18-character form of an org id (userinfo returns that form); 15 or 18 accepted."""
    if (
        len(value) not in (15, 18)
        or not value.isalnum()
        or not value.startswith(ORGANIZATION_PREFIX)
    ):
        raise ValueError("must be the org id: 15 or 18 letters and digits starting with 00D")
    if len(value) == 18:
        expected = value[:15] + id_suffix(value[:15])
        if value.upper() != expected.upper():
            raise ValueError("is not a valid 18-character org id (its checksum does not match)")
        return expected
    return value + id_suffix(value)


def id_suffix(id15: str) -> str:
    """The three checksum characters that make a 15-character Salesforce id case-insensitive."""
    suffix = ""
    for start in range(0, 15, 5):
        chunk = id15[start : start + 5]
        bits = sum(1 << offset for offset, char in enumerate(chunk) if char.isupper())
        suffix += _ID_SUFFIX_ALPHABET[bits]
    return suffix


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False
