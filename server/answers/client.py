"""The chat-completions client: the only module of answers that talks to the network.

One client serves every OpenAI-compatible server: ``POST {base_url}/chat/completions`` with
``{"model", "messages", "stream": true}`` and ``Authorization: Bearer <key>``; Azure OpenAI
(``api_version`` set) at ``{base_url}/openai/deployments/{model}/chat/completions`` with an
``api-key`` header. The reply is a stream of ``chat.completion.chunk`` events ending in
``data: [DONE]``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp

from server.answers.errors import LlmBadResponse, LlmError, LlmRejected, LlmUnavailable
from server.answers.models import LlmEndpoint
from server.answers.sse import SseDecoder, SseTooLarge

ChatMessage = dict[str, str]
DONE = "[DONE]"


class ChatClient:
    """Streams chat completions over a shared aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def stream(
        self, endpoint: LlmEndpoint, messages: list[ChatMessage]
    ) -> AsyncGenerator[str, None]:
        """The answer's text chunks as they arrive; raises an LlmError on failure."""
        url, headers = request_target(endpoint)
        body = {"model": endpoint.model, "messages": messages, "stream": True}
        try:
            async with self._session.post(url, json=body, headers=headers) as response:
                check_response(response)
                async for text in _chunks(response):
                    yield text
        except aiohttp.ClientError as err:
            raise LlmUnavailable(f"request failed: {type(err).__name__}") from err


def request_target(endpoint: LlmEndpoint) -> tuple[str, dict[str, str]]:
    """The URL and authentication header for an endpoint's flavour."""
    key = endpoint.api_key.get_secret_value()
    headers = {"Accept": "text/event-stream"}
    if endpoint.api_version is None:
        headers["Authorization"] = f"Bearer {key}"
        return f"{endpoint.base_url}/chat/completions", headers
    headers["api-key"] = key
    deployment = quote(endpoint.model, safe="")
    version = quote(endpoint.api_version, safe="")
    url = f"{endpoint.base_url}/openai/deployments/{deployment}/chat/completions"
    return f"{url}?api-version={version}", headers


def check_response(response: aiohttp.ClientResponse) -> None:
    """Raises the LlmError for a status or content type that is not a stream."""
    status = response.status
    if status == 429 or status >= 500:
        raise LlmUnavailable(f"endpoint answered {status}")
    if status != 200:
        raise LlmRejected(f"endpoint answered {status}")
    if response.content_type != "text/event-stream":
        raise LlmBadResponse(f"expected an event stream, got {response.content_type}")


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
    decoder = SseDecoder()
    finished = False
    async for data in _events(response, decoder):
        if data == DONE:
            return
        text, finish_reason = parse_chunk(data)
        finished = finished or finish_reason is not None
        if text:
            yield text
    # Some servers omit [DONE]; a finish_reason still says the answer is complete.
    if not finished:
        raise LlmBadResponse("stream ended before the answer finished")


async def _events(response: aiohttp.ClientResponse, decoder: SseDecoder) -> AsyncIterator[str]:
    async for chunk in response.content.iter_any():
        try:
            events = decoder.feed(chunk)
        except SseTooLarge as err:
            raise LlmBadResponse(str(err)) from err
        for data in events:
            yield data


def parse_chunk(data: str) -> tuple[str, str | None]:
    """The content delta and finish reason of one ``chat.completion.chunk``."""
    try:
        chunk: Any = json.loads(data)
    except ValueError as err:
        raise LlmBadResponse("a stream event is not JSON") from err
    if not isinstance(chunk, dict):
        raise LlmBadResponse("a stream event is not a JSON object")
    if "error" in chunk:
        raise LlmError("the endpoint reported an error mid-stream")
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        raise LlmBadResponse("a chunk has no choices")
    if not choices:
        # Usage-only chunks (stream_options.include_usage) carry no choice.
        return "", None
    choice = choices[0] if isinstance(choices[0], dict) else {}
    delta = choice.get("delta") or {}
    content = delta.get("content") if isinstance(delta, dict) else None
    reason = choice.get("finish_reason")
    return (content if isinstance(content, str) else ""), (
        reason if isinstance(reason, str) else None
    )
