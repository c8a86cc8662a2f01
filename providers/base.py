"""The platform contract: event sources, and the optional capabilities a platform declares.

Each platform is one folder under ``providers/`` whose ``manifest.py`` declares a
:class:`Manifest`: its name, settings model and :class:`Capability` set, with one small
protocol per capability (event source, :class:`DesktopBridge`, agent sign-in through
:class:`PlatformOAuth` or the tenant's identity provider, :class:`AgentActions`,
:class:`Embedding`, :class:`QueueWatching` / :class:`UserWatching`, :class:`Checkable` or
:class:`ConnectionCheck`, :class:`ConversationRecords`).

Push sources (webhooks) implement :class:`PushAdapter`: ``verify`` checks the request is
genuine, ``parse`` decodes its body and turns it into canonical events; the server routes
``POST /api/v1/webhooks/<platform>/<integration id>`` to them. Pull sources (sockets, streams,
replays) implement :class:`PullAdapter`: ``listen`` yields canonical events until closed.
Both close with ``aclose``. Adapters never import the server; they see requests through
:class:`InboundRequest` so they stay testable without a web framework.

Example::

    class AcmeAdapter:
        name = "acme"

        async def listen(self) -> AsyncIterator[Event]:
            async for payload in self._client.stream():
                for event in mapping.to_events(payload):
                    yield event

        async def aclose(self) -> None:
            await self._client.aclose()
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

import aiohttp
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, model_validator

from providers.errors import PayloadInvalid
from providers.models import Event, Identifier, MediaType, TenantId


class InboundRequest(BaseModel):
    """A pushed HTTP request as an adapter sees it: headers and the raw body."""

    model_config = ConfigDict(frozen=True)

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


# Marks a setting that says where secret settings are sent (a base URL, a login host):
# ``Field(json_schema_extra=SECRET_DESTINATION)``. Changing it needs the secrets again, so a
# stored secret never goes to an address it was not given for.
SECRET_DESTINATION: dict[str, Any] = {"secretDestination": True}


class ProviderSettings(BaseModel):
    """Base of every adapter's settings model (credentials, hosts, options)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: TenantId


@runtime_checkable
class Adapter(Protocol):
    """What every adapter has: a registry name and a way to release its resources."""

    name: ClassVar[str]

    async def aclose(self) -> None:
        """Release sockets, tasks and files the adapter holds."""


@runtime_checkable
class PullAdapter(Adapter, Protocol):
    """An adapter that connects out and yields events as they arrive."""

    def listen(self) -> AsyncIterator[Event]:
        """Yield canonical events until the adapter is closed."""


@runtime_checkable
class PushAdapter(Adapter, Protocol):
    """An adapter that receives requests the platform pushes to us.

    The server calls ``verify`` on every request, then ``parse``; the platform gets a 2xx only
    once the events went through the pipeline, so its retries cover any failure after that.
    """

    async def verify(self, request: InboundRequest) -> None:
        """Raise :class:`providers.errors.SignatureInvalid` unless the request is genuine
        (``ProviderNotReady`` when the keys to check it cannot be fetched now)."""

    def parse(self, request: InboundRequest) -> list[Event]:
        """Decode the verified request's body into canonical events; unknown payloads map to
        nothing; :class:`providers.errors.PayloadInvalid` for a body that can never map."""


@runtime_checkable
class Delivery(Protocol):
    """One message of an :class:`AcknowledgedSource`, held until it is acknowledged.

    It carries either canonical events (one message may map to several) or, for a message
    that can never be mapped (undecodable, schema-invalid), ``rejected``. The consumer
    settles it exactly once: ``ack`` once every event was accepted by the pipeline (processed,
    or recognised as a duplicate) or once a rejection was recorded; ``nack`` after a
    transient failure, so the platform redelivers it. Settling twice does nothing.
    """

    @property
    def message_id(self) -> str:
        """The platform's id of the message, for logs and the event inspector."""

    @property
    def events(self) -> Sequence[Event]:
        """Its canonical events, in order; empty when rejected."""

    @property
    def rejected(self) -> PayloadInvalid | None:
        """Why the message can never be mapped: record it as rejected, then ``ack``."""

    async def ack(self) -> None:
        """Accepted (or rejected for good): the platform must not deliver it again."""

    async def nack(self) -> None:
        """Not accepted this time: give it back for redelivery."""


@runtime_checkable
class AcknowledgedSource(Protocol):
    """A pull adapter that acknowledges a message only once the pipeline has accepted it.

    Declared as ``Capability.EVENTS_ACKNOWLEDGED`` (with ``EVENTS_PULL``). The server
    consumes ``deliveries()`` instead of ``listen()``, one delivery at a time::

        async for delivery in adapter.deliveries():
            if delivery.rejected is not None:
                inspector.rejected(tenant_id, delivery.message_id, delivery.rejected)
                await delivery.ack()
                continue
            try:
                for event in delivery.events:
                    await pipeline.process(event)   # a duplicate counts as accepted
            except Exception:
                await delivery.nack()               # transient: the platform redelivers
            else:
                await delivery.ack()

    Messages that map to nothing (unknown types) are acknowledged by the adapter itself and
    never yielded. Deliveries not settled when the adapter closes (the consumer was
    cancelled, the server is stopping) are given back by ``aclose``, once no more can
    arrive, so they are redelivered at once rather than after their lease runs out.
    """

    def deliveries(self) -> AsyncGenerator[Delivery, None]:
        """Yield deliveries until the adapter is closed."""


# A message an acknowledged source's consumer gave back this many times is given up on (handed
# over as rejected, so the admin sees it in the event inspector): one message the pipeline can
# never take must not hold up the tenant's whole stream behind it. With the sources' back-off
# between attempts this outlasts a store outage of about a minute.
MAX_DELIVERY_ATTEMPTS = 6


async def events_of(deliveries: AsyncGenerator[Delivery, None]) -> AsyncGenerator[Event, None]:
    """An acknowledged source's ``listen()``: the events of its deliveries, each delivery
    acknowledged when the consumer asks for more (a consumer that needs "accepted" reads the
    deliveries instead). The deliveries are closed as soon as the consumer stops, not when
    the generator is collected, so what was not taken is given back at once."""
    async with aclosing(deliveries):
        async for delivery in deliveries:
            if delivery.rejected is None:
                for event in delivery.events:
                    yield event
            await delivery.ack()


class ConnectionState(StrEnum):
    """Where a pull adapter's connection to its platform stands."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    AUTH_FAILED = "auth_failed"
    CONFIG_ERROR = "config_error"
    STOPPED = "stopped"


class ConnectionStatus(BaseModel):
    """One change of connection state, with the error that caused it (never a secret)."""

    model_config = ConfigDict(frozen=True)

    state: ConnectionState
    last_error: str | None = None
    changed_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))


StatusListener = Callable[[ConnectionStatus], None]


@runtime_checkable
class StatusReporting(Protocol):
    """A pull adapter that says when it connects, reconnects or is refused."""

    def watch_status(self, listener: StatusListener) -> None:
        """Call ``listener`` on every change of connection state."""


@runtime_checkable
class Checkable(Protocol):
    """An adapter that can test its settings against the platform without side effects."""

    async def check(self) -> str | None:
        """Return if credentials and hosts work; raise a classified ``ProviderError`` if not.

        What it returns, if anything, is one or two sentences on what it found (shown to the
        admin beside "Connected"). The error's message is shown to the admin as is, so it
        names what to fix and never contains a secret.
        """


class SourceLoad(BaseModel):
    """How much a running source holds, for the admin's health view."""

    model_config = ConfigDict(frozen=True)

    # Messages taken from the platform and not settled yet (being processed or queued).
    backlog: int = Field(ge=0)
    # Why the last message that could never be mapped was rejected, if one was.
    last_rejection: str | None = None


@runtime_checkable
class LoadReporting(Protocol):
    """A running source that says how much it holds (Health shows it)."""

    def load(self) -> SourceLoad:
        """The backlog and last rejection as they stand."""


# --------------------------------------------------------------------------------------------
# The platform contract: what one platform folder declares in its ``manifest.py`` and which
# small protocol implements each declared capability. docs/platforms.md walks through a folder.
# --------------------------------------------------------------------------------------------


class Capability(StrEnum):
    """Something a platform can do; the manifest field or protocol that provides it is named."""

    # Server-side event sources: ``Manifest.adapter`` is a PullAdapter or a PushAdapter.
    EVENTS_PULL = "events.pull"
    EVENTS_PUSH = "events.push"
    # The pull source redelivers until told a message was accepted: the adapter is also an
    # AcknowledgedSource, whose ``deliveries`` the server prefers over ``listen``.
    EVENTS_ACKNOWLEDGED = "events.acknowledged"
    # The agent's desktop hands the widget messages: ``Manifest.bridge`` (DesktopBridge).
    DESKTOP_BRIDGE = "desktop.bridge"
    # Agents sign in: ``Manifest.sign_in`` says how (platform OAuth or the tenant's IdP).
    AGENT_SIGN_IN = "agent.sign_in"
    # The server acts on the platform with the agent's own token: ``Manifest.actions``.
    AGENT_ACTIONS = "agent.actions"
    # The widget asks its desktop to act (e.g. a conversation toolkit) over the bridge.
    DESKTOP_ACTIONS = "desktop.actions"
    # The widget has a page for this desktop: ``Manifest.embedding`` (Embedding).
    EMBEDDING = "embedding"
    # The pull adapter follows queues (QueueWatching) or signed-in agents (UserWatching).
    QUEUE_WATCHING = "watch.queues"
    USER_WATCHING = "watch.users"
    # Settings can be tested against the platform: the adapter is Checkable, or, for a
    # platform without an event source, ``Manifest.check`` (ConnectionCheck).
    CONNECTION_CHECK = "connection.check"
    # The pull adapter reads a log by position and resumes where it stopped: it is built with
    # ``positions=`` (a PositionStore the server keeps in its database).
    STREAM_POSITIONS = "stream.positions"
    # The server reads and writes the platform's own records of a conversation with the
    # integration's credentials: ``Manifest.records`` (ConversationRecords).
    CONVERSATION_RECORDS = "conversation.records"


@runtime_checkable
class QueueWatching(Protocol):
    """A running adapter that follows a changing set of queues (or skills) without restarting.

    Adapters declaring ``Capability.QUEUE_WATCHING`` also take the queues admins mapped for
    the platform when built: ``Adapter(settings, queues=("billing", ...))``.
    """

    async def watch_queues(self, queue_ids: Sequence[str]) -> None:
        """Follow these queues from now on, besides any in the settings. Queues no longer
        listed may still be followed until the adapter restarts."""


@runtime_checkable
class PositionStore(Protocol):
    """Where a streaming adapter stopped reading each topic: the last message it processed.

    Adapters declaring ``Capability.STREAM_POSITIONS`` are built with ``positions=`` and store
    each message's id after handing on its events, so a restarted adapter resumes just after
    it: no gap, no repeat. The server keeps positions in its database, per integration.
    """

    async def get(self, topic: str) -> str | None:
        """The position stored for ``topic``, or None if it was never read."""

    async def put(self, topic: str, position: str) -> None:
        """Remember ``position`` as the last one processed on ``topic``."""


class MemoryPositions:
    """Positions kept in memory: they survive reconnects, not a restart of the process."""

    def __init__(self) -> None:
        self._positions: dict[str, str] = {}

    async def get(self, topic: str) -> str | None:
        """The position stored for ``topic``, or None."""
        return self._positions.get(topic)

    async def put(self, topic: str, position: str) -> None:
        """Remember ``position`` for ``topic``."""
        self._positions[topic] = position


@runtime_checkable
class UserWatching(Protocol):
    """A running adapter that can follow one more agent's conversations."""

    async def watch_user(self, user_id: str) -> None:
        """Subscribe to the agent's conversation notifications."""


# -- agent sign-in ---------------------------------------------------------------------------


class SignInFlow(StrEnum):
    """How an agent of a platform proves who they are to cuecard."""

    # Authorization Code + PKCE at the platform's own OAuth server (``Manifest.oauth``);
    # the platform's token is kept sealed server-side for agent actions.
    PLATFORM_OAUTH = "platform_oauth"
    # OpenID Connect at the tenant's own identity provider (configured per tenant); the
    # platform agent id comes from a configured claim. For platforms without agent OAuth.
    TENANT_IDP = "tenant_idp"


class AgentGrant(BaseModel):
    """Tokens a platform issued to one agent; they never leave the server unsealed."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_in: int = Field(ge=1)


class PlatformAgent(BaseModel):
    """Who signed in, as the platform names them."""

    model_config = ConfigDict(frozen=True)

    agent_id: Identifier
    name: str = ""


@runtime_checkable
class PlatformOAuth(Protocol):
    """Agent sign-in at the platform's OAuth 2.0 server: Authorization Code + PKCE (S256).

    The server keeps the state, the verifier and the browser binding; the platform only
    builds URLs and talks to its own endpoints. Example (Genesys)::

        url = oauth.authorize_url(settings, redirect_uri=cb, state=s, code_challenge=c)
        grant = await oauth.exchange_code(settings, code=code, code_verifier=v, redirect_uri=cb)
        agent = await oauth.identify(settings, grant.access_token)  # WrongOrganization if not ours
    """

    def authorize_url(
        self, settings: Any, *, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """Where the sign-in popup goes."""

    async def exchange_code(
        self, settings: Any, *, code: str, code_verifier: str, redirect_uri: str
    ) -> AgentGrant:
        """Trade the authorization code for the agent's tokens."""

    async def refresh(self, settings: Any, refresh_token: SecretStr) -> AgentGrant:
        """New tokens from a refresh token; ``providers.errors.AgentTokenRejected`` if refused."""

    async def identify(self, settings: Any, access_token: SecretStr) -> PlatformAgent:
        """The signed-in agent; ``providers.errors.WrongOrganization`` for another org's."""


# -- agent actions ---------------------------------------------------------------------------


@runtime_checkable
class AgentActions(Protocol):
    """Actions made on the platform with the signed-in agent's own token (never the app's).

    Raise ``AgentTokenRejected`` when the platform refuses the token, ``ActionRefused`` when
    it refuses the action (not the agent's conversation...), ``ProviderNotReady`` when down.
    """

    async def send_reply(
        self, settings: Any, token: SecretStr, *, agent_id: str, conversation_id: str, text: str
    ) -> str:
        """Post ``text`` into the conversation as the agent; the platform's message id."""

    async def save_notes(
        self, settings: Any, token: SecretStr, *, agent_id: str, conversation_id: str, text: str
    ) -> None:
        """Save ``text`` as the agent's wrap-up notes for the conversation."""


# -- desktop bridge --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BridgeContext:
    """Who handed the widget a desktop message: the session's tenant and agent, and the
    tenant's settings for the platform (None when the platform needs no stored integration)."""

    tenant_id: str
    agent_id: str
    settings: ProviderSettings | None = None


@runtime_checkable
class DesktopBridge(Protocol):
    """Maps the messages an agent desktop hands the widget to canonical events.

    The widget forwards each host message unchanged as the Socket.IO event ``bridge.event``;
    the server validates it with ``message_model`` (bad input: an ``error`` naming the
    field), then calls ``to_events``. Event ids must be stable (derived from the platform's
    ids), so a re-sent or re-rendered message is recognised as a duplicate. Example::

        class AcmeBridge:
            message_model = AcmeHostMessage  # a pydantic model, often a discriminated union

            def to_events(self, message: AcmeHostMessage, context: BridgeContext) -> list[Event]:
                if message.agent_id != context.agent_id:
                    raise BridgeRefused("the desktop's agent is not the signed-in agent")
                return mapping.to_events(message, context.tenant_id)
    """

    @property
    def message_model(self) -> type[BaseModel]:
        """The pydantic model one host message must validate against."""

    def to_events(self, message: Any, context: BridgeContext) -> list[Event]:
        """Canonical events for one validated message; ``BridgeRefused`` to refuse it."""


# -- embedding -------------------------------------------------------------------------------


@runtime_checkable
class Embedding(Protocol):
    """How the platform's agent desktop frames the widget page ``/widget/<platform>``."""

    @property
    def url_query(self) -> str:
        """Query the desktop fills in, appended after ``?tenant=<id>&`` — with the platform's
        own placeholders, e.g. ``conversationId={{gcConversationId}}``."""

    @property
    def instructions(self) -> str:
        """Where an admin pastes the URL in the platform's own admin UI, and its options."""

    @property
    def host_origin_param(self) -> str | None:
        """The query parameter in which the desktop states its origin (checked against
        ``frame_origins``), or None when the page is opened without one."""

    def frame_origins(self, settings: Any) -> tuple[str, ...]:
        """Origins allowed to frame the widget for an integration with these settings (None
        for a platform admins store no integrations of: ``Manifest.storable`` is False)."""


@runtime_checkable
class HostScripts(Protocol):
    """An embedding whose page loads the desktop's own SDK from the platform at run time.

    The server lets ``/widget/<platform>`` (that page only) load scripts from these URLs'
    origins, and tells the page the URLs; cuecard never bundles or copies such an SDK.
    """

    def script_urls(self, settings: Any) -> tuple[str, ...]:
        """The https URLs of the scripts the page loads, in order."""


class SetupValue(BaseModel):
    """One value an admin enters in the platform to embed the widget, with where it goes."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: str
    help: str = ""


@runtime_checkable
class EmbeddingSetup(Protocol):
    """An :class:`Embedding` set up with several values rather than one iframe URL (a
    component's property, a trusted site, a callback URL): the Embedding page lists them."""

    def setup_values(
        self, settings: Any, *, widget_url: str, callback_url: str
    ) -> Sequence[SetupValue]:
        """The values for a tenant whose widget page is ``widget_url`` (``?tenant=`` included)
        and whose agents' sign-in returns to ``callback_url``; ``settings`` is the tenant's
        integration, None before there is one."""


# -- connection check and conversation records -----------------------------------------------


@runtime_checkable
class ConnectionCheck(Protocol):
    """The admin's Test connection for a platform with no event source to test (``check``).

    Built from an aiohttp session like :class:`PlatformOAuth`. Raise a classified
    ``ProviderError`` whose message says what to fix; it is shown to the admin as is.
    """

    async def check(self, settings: Any) -> str | None:
        """Return if the settings work against the platform, without side effects; what it
        returns, if anything, is what it found (as ``Checkable.check``)."""


class ConversationFacts(BaseModel):
    """What the platform's records say about a conversation as it starts (each may be unknown)."""

    model_config = ConfigDict(frozen=True)

    # The queue the platform routed it from: routes its suggestions like an event's queue.
    queue: Identifier | None = None


class HoldSpan(BaseModel):
    """One hold of the conversation, from hold to resume (or to its end)."""

    model_config = ConfigDict(frozen=True)

    started_at: AwareDatetime
    ended_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> HoldSpan:
        if self.ended_at < self.started_at:
            raise ValueError("ended_at: a hold cannot end before it starts")
        return self

    @property
    def seconds(self) -> int:
        """Whole seconds on hold."""
        return round((self.ended_at - self.started_at).total_seconds())


class WrapUp(BaseModel):
    """What cuecard writes back when a conversation ends: the agent's notes and the holds."""

    model_config = ConfigDict(frozen=True)

    conversation_id: Identifier
    agent_id: Identifier | None = None
    media: MediaType | None = None
    # Platforms cut notes longer than their field holds.
    notes: str = Field(default="", max_length=32_000)
    holds: tuple[HoldSpan, ...] = ()
    ended_at: AwareDatetime

    @property
    def hold_seconds(self) -> int:
        """Total time on hold."""
        return sum(span.seconds for span in self.holds)


class ApiAllowance(BaseModel):
    """How much of its API allocation the platform last said was used (the Health page)."""

    model_config = ConfigDict(frozen=True)

    used: int = Field(ge=0)
    limit: int = Field(ge=0)
    observed_at: AwareDatetime
    # Requests the platform refused for its limit since this server started.
    refused: int = Field(default=0, ge=0)


@runtime_checkable
class ConversationRecords(Protocol):
    """The platform's own records of conversations, read and written server to server with the
    integration's credentials (never an agent's). One object per integration, built by
    ``Manifest.records(settings, session)`` and kept while its settings stay the same.

    ``write_back`` must be idempotent (the server retries it from a durable outbox after any
    failure or restart): writing the same conversation again updates the same record. Errors
    are classified: ``ProviderNotReady`` (down, rate limited) is retried with back-off;
    ``ProviderAuthFailed`` / ``ProviderConfigError`` wait until the integration changes; any
    other ``ProviderError`` (the platform rejected the record) is kept as failed and shown.
    Example::

        records = MANIFEST.records(settings, session)
        facts = await records.facts("0MwHo00000AbCdEKAZ", MediaType.MESSAGE)  # facts.queue
        record_id = await records.write_back(WrapUp(conversation_id=..., ended_at=...))
    """

    async def facts(self, conversation_id: str, media: MediaType | None) -> ConversationFacts:
        """What the platform knows of the conversation as it starts (its queue)."""

    async def write_back(self, wrap_up: WrapUp) -> str:
        """Write the wrap-up to the platform; the id of the record written."""

    def allowance(self) -> ApiAllowance | None:
        """The API allocation the platform reported last, if any call was made yet."""

    async def aclose(self) -> None:
        """Release what the object holds (the HTTP session belongs to the caller)."""


# -- the manifest ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    """One platform folder's declaration: who it is and what it can do.

    Every capability declared has its field set, and no field is set without its capability
    (tests/providers/test_contract.py checks both). Example::

        MANIFEST = Manifest(
            name="acme",
            display_name="Acme Desk",
            settings=AcmeSettings,
            capabilities=frozenset({Capability.EVENTS_PULL, Capability.EMBEDDING}),
            adapter=AcmeAdapter,
            embedding=AcmeEmbedding(),
            docs="docs/acme.md",
        )
    """

    name: str
    display_name: str
    settings: type[ProviderSettings]
    capabilities: frozenset[Capability]
    adapter: type[Adapter] | None = None
    bridge: DesktopBridge | None = None
    sign_in: SignInFlow | None = None
    oauth: Callable[[aiohttp.ClientSession], PlatformOAuth] | None = None
    actions: Callable[[aiohttp.ClientSession], AgentActions] | None = None
    embedding: Embedding | None = None
    check: Callable[[aiohttp.ClientSession], ConnectionCheck] | None = None
    records: Callable[[Any, aiohttp.ClientSession], ConversationRecords] | None = None
    # Whether admins may store integrations of it (the simulator reads server files).
    storable: bool = True
    # The install guide for the platform's admins, relative to the repository root.
    docs: str | None = None

    def has(self, capability: Capability) -> bool:
        """Whether the platform declares ``capability``."""
        return capability in self.capabilities
