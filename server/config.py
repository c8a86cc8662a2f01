"""Settings, built once from the environment and passed explicitly everywhere else."""

from __future__ import annotations

import math
import re
from collections import Counter
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated

from argon2.profiles import RFC_9106_LOW_MEMORY
from authlib.common.security import is_secure_transport
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32
# A random 32-character hex key estimates at 95 bits or more (see estimated_bits).
MIN_SECRET_BITS = 80
HOW_TO_GENERATE_A_KEY = (
    "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
)
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///cuecard.db"
# Wildcard listening addresses, and the loopback address a browser on this machine uses instead.
LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}  # noqa: S104


class Settings(BaseSettings):
    """Every knob of the server. Environment variables use the ``CUECARD_`` prefix."""

    # Inputs stay out of error messages: a refused value may be the signing key itself.
    model_config = SettingsConfigDict(
        env_prefix="CUECARD_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    workers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Server processes sharing the port; default: the cores with Redis, else 1.",
    )
    public_url: str | None = Field(
        default=None,
        description="URL browsers reach the server at; defaults to http://host:port "
        "(the loopback address when host is a wildcard).",
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("CUECARD_DATABASE_URL", "DATABASE_URL"),
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CUECARD_REDIS_URL", "REDIS_URL")
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs agent session tokens; at least 32 characters."
    )
    demo: bool = False
    token_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_batch_events: int = Field(default=500, ge=1)
    dedup_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    transcript_max_lines: int = Field(default=200, ge=10)
    suggestions_per_event: int = Field(default=3, ge=1, le=20)
    inspector_events: int = Field(
        default=1000, ge=10, le=100_000, description="Events the inspector keeps per tenant."
    )
    widget_dist: Path | None = Field(
        default=None, description="Built widget assets; defaults to widget/dist in the package."
    )
    log_level: str = "INFO"
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that /metrics requires; unset, only this host may read it.",
    )
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or networks, comma-separated) whose "
        "X-Forwarded-For names the client; unset, the peer's address is the client's.",
    )
    admin_idle_seconds: int = Field(
        default=30 * 60, ge=60, description="An admin session ends after this long unused."
    )
    admin_max_seconds: int = Field(
        default=12 * 3600, ge=300, description="An admin session ends this long after sign-in."
    )
    # Admin password hashing (argon2id). The defaults are argon2-cffi's RFC 9106 low-memory
    # profile; lower values exist for test suites, which hash hundreds of passwords.
    argon2_time_cost: int = Field(
        default=RFC_9106_LOW_MEMORY.time_cost, ge=1, description="argon2id iterations."
    )
    argon2_memory_kib: int = Field(
        default=RFC_9106_LOW_MEMORY.memory_cost, ge=8, description="argon2id memory in KiB."
    )
    argon2_parallelism: int = Field(
        default=RFC_9106_LOW_MEMORY.parallelism, ge=1, description="argon2id lanes."
    )

    # Admin single sign-on (OpenID Connect); off unless all three are set.
    oidc_issuer: str | None = Field(
        default=None,
        description="Issuer URL of the admins' OpenID provider, exactly as its ID tokens say.",
    )
    oidc_client_id: str | None = Field(default=None, min_length=1, max_length=255)
    oidc_client_secret: SecretStr | None = None

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_over_https(cls, value: str | None) -> str | None:
        # OpenID Connect Discovery: https, no query or fragment (loopback http for tests).
        if value is not None and (not is_secure_transport(value) or "?" in value or "#" in value):
            raise ValueError("must be an https URL without query or fragment")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("public_url", mode="before")
    @classmethod
    def _empty_public_url_is_unset(cls, value: object) -> object:
        # CUECARD_PUBLIC_URL= (set but empty, as env files and compose write it) means unset.
        return None if value == "" else value

    @field_validator("public_url")
    @classmethod
    def _public_url_is_a_base_url(cls, value: str | None) -> str | None:
        # Widget, sign-in and callback URLs are built on it: a missing scheme, a query or a
        # fragment would only show up later, as a broken page in the agent desktop.
        if value is not None and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", value):
            raise ValueError("must be an http:// or https:// URL, e.g. https://cuecard.example.com")
        return value

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        secret = value.get_secret_value()
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        if estimated_bits(secret) < MIN_SECRET_BITS:
            raise ValueError(
                "CUECARD_SECRET_KEY is too predictable (repeated or too few different "
                f"characters; at least {MIN_SECRET_BITS} bits of randomness are needed): "
                f"{HOW_TO_GENERATE_A_KEY}"
            )
        return value

    @model_validator(mode="after")
    def _secret_required_outside_demo(self) -> Settings:
        if self.secret_key is None and not self.demo:
            raise ValueError(
                f"CUECARD_SECRET_KEY is required outside the demo ({HOW_TO_GENERATE_A_KEY})"
            )
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        given = (self.oidc_issuer, self.oidc_client_id, self.oidc_client_secret)
        if any(value is not None for value in given) and None in given:
            raise ValueError(
                "admin single sign-on needs CUECARD_OIDC_ISSUER, CUECARD_OIDC_CLIENT_ID "
                "and CUECARD_OIDC_CLIENT_SECRET together"
            )
        return self

    @model_validator(mode="after")
    def _argon2_memory_fits_lanes(self) -> Settings:
        # argon2 needs at least 8 KiB per lane; say so here rather than at the first sign-in.
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError(
                "CUECARD_ARGON2_MEMORY_KIB must be at least 8 x CUECARD_ARGON2_PARALLELISM"
            )
        return self

    @property
    def base_url(self) -> str:
        """Where browsers reach this server: the public URL, else this machine's own address.

        A wildcard host (``0.0.0.0``, ``::``) is where the server listens, never an address a
        browser can use; without a public URL the loopback address stands in for it.
        """
        if self.public_url:
            return self.public_url.rstrip("/")
        host = LOOPBACK.get(self.host, self.host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def listens_everywhere(self) -> bool:
        """The server listens on every interface (browsers elsewhere need ``public_url``)."""
        return self.host in LOOPBACK

    @property
    def oidc_enabled(self) -> bool:
        """Admins may sign in through the configured OpenID provider."""
        return self.oidc_issuer is not None


def estimated_bits(secret: str) -> float:
    """A rough upper bound on a key's randomness, to refuse obviously weak keys.

    The key's shortest repeating unit (``"ab" * 16`` counts as ``"ab"``), times the Shannon
    entropy of that unit's characters: ``"a" * 32`` is 0 bits, a random 32-character hex key
    about 120, ``secrets.token_urlsafe(48)`` over 300.
    """
    period = (secret + secret).find(secret, 1)
    unit = secret[:period] if len(secret) % period == 0 else secret
    counts = Counter(unit).values()
    return -sum(count * math.log2(count / len(unit)) for count in counts)
