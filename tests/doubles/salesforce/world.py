"""What the Salesforce double knows: one org, its External Client App, users, records, faults.

Route modules of the double share one :class:`SalesforceWorld`; tests arrange it (users,
records, the signed-in browser, limit storms, expired sessions) and inspect it (records
written, requests received, API usage).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from providers.salesforce.config import id_suffix

ORG_ID = "00DHo000000CueCMAS"
OTHER_ORG_ID = "00DHo000000OthRMAS"
CONSUMER_KEY = "3MVG9cuecardDoubleConsumerKey.0123456789"
LOGIN_AUDIENCE = "https://login.salesforce.com"
SESSION_SECONDS = 7200
CODE_SECONDS = 900


@dataclass
class AppKeys:
    """The integration's RSA key pair and the self-signed certificate uploaded to the app."""

    private_pem: str
    certificate_pem: str

    @classmethod
    def generate(cls) -> AppKeys:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cuecard integration")])
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(private.decode(), certificate.public_bytes(serialization.Encoding.PEM).decode())


@dataclass
class ExternalClientApp:
    """The External Client App as registered in the org (OAuth settings and policies)."""

    consumer_key: str
    certificate_pem: str
    callback_urls: tuple[str, ...] = ()
    consumer_secret: str | None = None
    require_secret: bool = False
    require_pkce: bool = True


@dataclass
class User:
    """A Salesforce user. ``preauthorized``: the app's policies admit them without approval."""

    id: str
    username: str
    name: str
    email: str
    org_id: str = ORG_ID
    preauthorized: bool = True


@dataclass
class Code:
    """An authorization code and what the token endpoint checks it against."""

    client_id: str
    redirect_uri: str
    code_challenge: str | None
    user_id: str
    scope: str
    expires_at: float


@dataclass
class Token:
    """An access (or refresh) token the double issued."""

    value: str
    user_id: str
    scope: str
    expires_at: float

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


@dataclass
class Faults:
    """Failures the next REST requests meet (each counts down as it is served)."""

    # Answer 403 REQUEST_LIMIT_EXCEEDED to this many requests (or all while ``limit_storm``).
    limit_exceeded: int = 0
    limit_storm: bool = False
    # Answer 401 INVALID_SESSION_ID to this many requests, whatever their token.
    invalid_session: int = 0
    # While set, REST calls whose path contains it hang (``stalled`` counts them); once
    # ``stall_lifted`` is set they answer 503 without having been served, like a request
    # that never reached the org's database. With ``stall_after_applying`` the org applies
    # the request first and only its answer hangs, like a caller that died waiting for it.
    stall: str | None = None
    stall_after_applying: bool = False
    stall_lifted: asyncio.Event = field(default_factory=asyncio.Event)
    stalled: int = 0


# A validation rule: (sobject, record after the write) -> an error item, or None to pass.
ValidationRule = Callable[[str, dict[str, Any]], dict[str, Any] | None]


@dataclass
class SObjectType:
    """What the double knows of one sObject: its key prefix, fields and external ids."""

    prefix: str
    fields: frozenset[str]
    external_ids: frozenset[str] = frozenset()
    picklists: dict[str, frozenset[str]] = field(default_factory=dict)
    references: frozenset[str] = frozenset()


def default_schema() -> dict[str, SObjectType]:
    """The sObjects cuecard touches, with the fields the DX project adds to Task."""
    return {
        "Case": SObjectType("500", frozenset({"Id", "Subject", "Status", "OwnerId"})),
        "Group": SObjectType("00G", frozenset({"Id", "Name", "DeveloperName", "Type"})),
        "User": SObjectType("005", frozenset({"Id", "Name", "Username"})),
        "MessagingSession": SObjectType(
            "0Mw",
            frozenset({"Id", "CaseId", "OwnerId", "Status", "Name"}),
            references=frozenset({"CaseId", "OwnerId"}),
        ),
        "VoiceCall": SObjectType(
            "0LQ",
            frozenset({"Id", "RelatedRecordId", "OwnerId", "CallType"}),
            references=frozenset({"RelatedRecordId", "OwnerId"}),
        ),
        "AgentWork": SObjectType(
            "0Bz",
            frozenset({"Id", "WorkItemId", "OriginalQueueId", "UserId", "CreatedDate"}),
            references=frozenset({"WorkItemId", "OriginalQueueId", "UserId"}),
        ),
        "Task": SObjectType(
            "00T",
            frozenset(
                {
                    "Id",
                    "Subject",
                    "Status",
                    "Priority",
                    "WhatId",
                    "OwnerId",
                    "ActivityDate",
                    "Description",
                    "Cuecard_Id__c",
                    "Cuecard_Hold_Count__c",
                    "Cuecard_Hold_Seconds__c",
                }
            ),
            external_ids=frozenset({"Cuecard_Id__c"}),
            picklists={
                "Status": frozenset({"Not Started", "In Progress", "Completed", "Deferred"}),
                "Priority": frozenset({"High", "Normal", "Low"}),
            },
            references=frozenset({"WhatId", "OwnerId"}),
        ),
    }


@dataclass
class SalesforceWorld:
    """The double's whole state. Mutable on purpose: tests drive it."""

    app: ExternalClientApp
    org_id: str = ORG_ID
    audience: str = LOGIN_AUDIENCE
    # The double's own base URL (My Domain and instance URL), set once it listens.
    base_url: str = ""
    users: dict[str, User] = field(default_factory=dict)
    # Who the browser is signed in as at My Domain: /authorize approves them at once.
    signed_in: str | None = None
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, Token] = field(default_factory=dict)
    schema: dict[str, SObjectType] = field(default_factory=default_schema)
    # sObject → id → fields (``Id`` included).
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    validation_rules: list[ValidationRule] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    api_used: int = 0
    api_max: int = 100_000
    query_page_size: int = 2000
    # (method, path, status) of every request, in order.
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    # Query locator → every record of the query, for ``nextRecordsUrl`` pages.
    cursors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _serial: int = 0

    def add_user(self, user: User) -> User:
        """Give ``user`` an account."""
        self.users[user.id] = user
        return user

    def new_id(self, sobject: str) -> str:
        """A fresh 18-character id with the sObject's key prefix."""
        self._serial += 1
        id15 = f"{self.schema[sobject].prefix}Ho{self._serial:010d}"
        return id15 + id_suffix(id15)

    def new_locator(self) -> str:
        """A fresh query locator id."""
        self._serial += 1
        return f"01gHo{self._serial:010d}"

    def insert(self, sobject: str, **fields: Any) -> str:
        """Create a record directly (arranging a test); returns its id."""
        record_id = fields.pop("Id", None) or self.new_id(sobject)
        self.records.setdefault(sobject, {})[record_id] = {"Id": record_id, **fields}
        return str(record_id)

    def find(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """The sObject and fields of any record, by id (15 or 18 characters)."""
        for sobject, rows in self.records.items():
            for key, row in rows.items():
                if key == record_id or key[:15] == record_id:
                    return sobject, row
        return None

    def issue(self, user_id: str, scope: str, *, refresh: bool = False) -> Token:
        """A fresh access token (or refresh token) for the user."""
        ttl = 90 * 86400 if refresh else SESSION_SECONDS
        token = Token(
            f"{self.org_id[:15]}!{secrets.token_urlsafe(40)}", user_id, scope, time.time() + ttl
        )
        (self.refresh_tokens if refresh else self.tokens)[token.value] = token
        return token

    def expire_sessions(self) -> None:
        """End every access token now, as a session timeout or a password change does."""
        for token in self.tokens.values():
            token.expires_at = time.time() - 1

    def user_by_name(self, username: str) -> User | None:
        """The user with this username, if any."""
        return next((user for user in self.users.values() if user.username == username), None)

    def limit_info(self) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        return f"api-usage={self.api_used}/{self.api_max}"

    def identity_url(self, user: User) -> str:
        """The user's identity URL (the token response's ``id``)."""
        return f"{self.audience}/id/{user.org_id}/{user.id}"
