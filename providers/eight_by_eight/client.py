"""8x8 Event Streaming over the Pulsar WebSocket proxy: the adapter's only network module.

A :class:`TopicReader` is one Pulsar *reader* connection to one topic (protocols.md 5.1, 6):
``wss://HOST/ws/v2/reader/persistent/TENANT/NAMESPACE/TOPIC?messageId=…`` with the key in the
``X-API-Key`` header. Every message it hands out must be acknowledged with
``{"messageId": …}``: the proxy stops sending after ``receiverQueueSize`` un-acknowledged
ones. HTTP refusals and close codes are translated here, once, into classified
``ProviderError``\\ s whose messages name what to fix and never carry the key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from yarl import URL

from providers.eight_by_eight.config import EightByEightSettings
from providers.eight_by_eight.const import AUTH_CLOSE_CODES, PULSAR_CLOSE_CODES, Timings
from providers.errors import (
    ProviderAuthFailed,
    ProviderConfigError,
    ProviderError,
    ProviderNotReady,
)

logger = logging.getLogger(__name__)

NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)
# aiohttp refuses close codes below 1000 as a protocol error, quoting the code; Pulsar's own
# codes (1-8) arrive that way, so the code is read back from the error's text.
_INVALID_CLOSE = re.compile(r"Invalid close code: (\d+)")
_CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


class PulsarMessage(BaseModel):
    """One message as the proxy sends it; ``payload`` is base64 (protocols.md 6)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    message_id: str = Field(alias="messageId", min_length=1, max_length=500)
    payload: str
    properties: dict[str, Any] = Field(default_factory=dict)
    publish_time: str | None = Field(default=None, alias="publishTime")
    redelivery_count: int = Field(default=0, alias="redeliveryCount")


def reader_url(settings: EightByEightSettings, topic: str, start: str) -> URL:
    """The reader endpoint of ``topic`` (``namespace/topic``), starting after ``start``."""
    path = f"/ws/v2/reader/persistent/{settings.tenant_name}/{topic}"
    # yarl percent-encodes the id's '+', '/' and '=' in the query, as Pulsar needs.
    query = {
        "messageId": start,
        "receiverQueueSize": str(settings.receiver_queue_size),
        "readerName": f"cuecard-{settings.tenant_id}",
    }
    return URL(settings.stream_url + path).with_query(query)


def close_error(code: int | None) -> ProviderError:
    """The classified error for a connection the proxy closed with ``code``."""
    meaning = PULSAR_CLOSE_CODES.get(code or 0)
    if code in AUTH_CLOSE_CODES:
        return ProviderAuthFailed(
            f"8x8 closed the event stream: {meaning} (Pulsar code {code}) — check api_key"
        )
    if meaning is not None:
        return ProviderNotReady(f"8x8 closed the event stream: {meaning} (Pulsar code {code})")
    return ProviderNotReady(f"8x8 closed the event stream (code {code})")


def handshake_error(status: int, url: URL) -> ProviderError:
    """The classified error for an HTTP refusal of the WebSocket upgrade."""
    where = f"{url.host}{url.path}"
    if status in (401, 403):
        word = "refused" if status == 401 else "does not allow"
        return ProviderAuthFailed(
            f"8x8 {word} the API key for {where} (HTTP {status}) — check api_key, tenant_name "
            "and that the key's product is 'Pulsar Event Stream'"
        )
    if status in (400, 404):
        return ProviderConfigError(
            f"8x8 has no event stream at {where} (HTTP {status}) — check tenant_name, region "
            "and agent_ids"
        )
    return ProviderNotReady(f"8x8's event stream at {url.host} answered HTTP {status}")


class StreamClient:
    """Opens readers on the tenant's topics over one HTTP session."""

    def __init__(self, settings: EightByEightSettings, timings: Timings) -> None:
        self._settings = settings
        self._timings = timings
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session, opened on first use (inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def open_reader(self, topic: str, start: str) -> TopicReader:
        """A connected reader on ``topic`` that starts after ``start`` (an id, or
        ``latest``/``earliest``); raises a classified ``ProviderError`` if it cannot."""
        url = reader_url(self._settings, topic, start)
        headers = {"X-API-Key": self._settings.api_key.get_secret_value()}
        try:
            async with asyncio.timeout(self._timings.connect_timeout):
                ws = await self.session.ws_connect(
                    url, headers=headers, heartbeat=self._timings.heartbeat, autoping=True
                )
        except aiohttp.WSServerHandshakeError as err:
            raise handshake_error(err.status, url) from err
        except NETWORK_ERRORS as err:
            raise ProviderNotReady(
                f"cannot reach 8x8's event stream at {url.host} ({type(err).__name__})"
            ) from err
        logger.debug("Reading 8x8 topic %s after %s", topic, start)
        return TopicReader(topic, ws)

    async def aclose(self) -> None:
        """Close the HTTP session (and with it every reader)."""
        if self._session is not None:
            await self._session.close()


class TopicReader:
    """One open reader connection: messages in, acknowledgements out."""

    def __init__(self, topic: str, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.topic = topic
        self._ws = ws

    async def next(self) -> PulsarMessage:
        """The next message; raises a classified ``ProviderError`` when the stream ends."""
        while True:
            frame = await self._ws.receive()
            if frame.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                message = _parse(frame.data)
                if message is not None:
                    return message
                continue
            if frame.type is aiohttp.WSMsgType.ERROR:
                raise _socket_error(frame.data)
            if frame.type in _CLOSED:
                raise close_error(self._ws.close_code)

    async def ack(self, message_id: str) -> None:
        """Acknowledge a processed message; a dead socket is not an error (we resume anyway)."""
        try:
            await self._ws.send_str(json.dumps({"messageId": message_id}))
        except (*NETWORK_ERRORS, RuntimeError):
            logger.debug("Could not acknowledge an 8x8 message on %s", self.topic)

    async def close(self) -> None:
        """Close the connection."""
        await self._ws.close()


def _parse(data: str | bytes) -> PulsarMessage | None:
    try:
        return PulsarMessage.model_validate(json.loads(data))
    except (ValueError, RecursionError, ValidationError):
        # Not a message (the proxy sends nothing else on a reader); never log its content.
        # RecursionError: nested deeper than the decoder goes. Raised on, it would reopen the
        # stream, and a proxy that sends the same frame again would stall the topic for good.
        logger.warning("Ignoring an 8x8 stream frame that is not a Pulsar message")
        return None


def _socket_error(error: object) -> ProviderError:
    found = _INVALID_CLOSE.search(str(error))
    if found is not None:
        return close_error(int(found.group(1)))
    return ProviderNotReady(f"8x8's event stream failed ({type(error).__name__})")
