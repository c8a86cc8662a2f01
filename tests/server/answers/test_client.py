"""The chat-completions client against the OpenAI-compatible double, both URL flavours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from server.answers.client import ChatClient
from server.answers.errors import LlmBadResponse, LlmError, LlmRejected, LlmUnavailable
from tests.fixtures.llm import AZURE_API_VERSION, MODEL, FakeLlm, Script
from tests.server.answers.conftest import endpoint_for

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]


@pytest.fixture
async def chat() -> AsyncIterator[ChatClient]:
    async with aiohttp.ClientSession() as session:
        yield ChatClient(session)


async def collect(chat: ChatClient, llm: FakeLlm, **overrides: Any) -> list[str]:
    return [text async for text in chat.stream(endpoint_for(llm, **overrides), MESSAGES)]


async def test_streams_the_content_chunks_in_order(chat: ChatClient, fake_llm: FakeLlm) -> None:
    fake_llm.script = Script(chunks=["Unplug", " it", " [P1]."], keep_alive=True, split_writes=True)

    assert await collect(chat, fake_llm) == ["Unplug", " it", " [P1]."]
    assert fake_llm.requests == [{"model": MODEL, "messages": MESSAGES, "stream": True}]


async def test_azure_flavour_uses_the_deployment_path_and_api_key_header(
    chat: ChatClient, fake_llm: FakeLlm
) -> None:
    chunks = await collect(
        chat, fake_llm, base_url=fake_llm.azure_url, api_version=AZURE_API_VERSION
    )
    assert "".join(chunks) == Script().text


async def test_a_wrong_key_is_rejected(chat: ChatClient, fake_llm: FakeLlm) -> None:
    with pytest.raises(LlmRejected):
        await collect(chat, fake_llm, api_key=SecretStr("sk-wrong"))
    assert fake_llm.requests == []


async def test_an_unknown_model_is_rejected(chat: ChatClient, fake_llm: FakeLlm) -> None:
    with pytest.raises(LlmRejected):
        await collect(chat, fake_llm, model="no-such-model")


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_overload_and_server_errors_are_unavailable(
    chat: ChatClient, fake_llm: FakeLlm, status: int
) -> None:
    fake_llm.script = Script(status=status)
    with pytest.raises(LlmUnavailable):
        await collect(chat, fake_llm)


async def test_an_unreachable_endpoint_is_unavailable(chat: ChatClient, fake_llm: FakeLlm) -> None:
    with pytest.raises(LlmUnavailable):
        await collect(chat, fake_llm, base_url="http://127.0.0.1:9/v1")


async def test_a_finished_stream_without_done_is_complete(
    chat: ChatClient, fake_llm: FakeLlm
) -> None:
    fake_llm.script = Script(chunks=["ok [P1]"], send_done=False)
    assert await collect(chat, fake_llm) == ["ok [P1]"]


async def test_errors_share_one_root(chat: ChatClient, fake_llm: FakeLlm) -> None:
    fake_llm.script = Script(status=500)
    with pytest.raises(LlmError) as caught:
        await collect(chat, fake_llm)
    assert caught.value.code == "llm_unavailable"
    assert not isinstance(caught.value, LlmBadResponse)


@pytest.mark.parametrize(
    "body",
    [
        {"messages": MESSAGES, "stream": True},
        {"model": MODEL, "messages": [], "stream": True},
        {"model": MODEL, "messages": [{"role": "wizard", "content": "x"}], "stream": True},
        {"model": MODEL, "messages": [{"role": "user", "content": None}], "stream": True},
        {"model": MODEL, "messages": MESSAGES},
    ],
)
async def test_the_double_refuses_a_malformed_body(fake_llm: FakeLlm, body: Any) -> None:
    # The double is only worth trusting if it refuses what OpenAI would refuse.
    headers = {"Authorization": "Bearer " + endpoint_for(fake_llm).api_key.get_secret_value()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake_llm.base_url}/chat/completions", json=body, headers=headers) as reply,
    ):
        assert reply.status == 400
        assert "message" in (await reply.json())["error"]
    assert fake_llm.requests == []


async def test_an_event_past_the_size_limit_is_a_bad_response(
    chat: ChatClient, fake_llm: FakeLlm
) -> None:
    # No chat completion chunk is this long; such a stream was buffered without end.
    fake_llm.script = Script(chunks=["x" * 300_000])
    with pytest.raises(LlmBadResponse, match="over 262144 characters"):
        await collect(chat, fake_llm)
