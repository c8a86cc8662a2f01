"""Widget connections are authenticated; refusals say why; bad client input is refused."""

from __future__ import annotations

import time
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestClient

from server.auth.tokens import TokenService
from tests.fixtures.app import SECRET, open_widget


def base_url(client: TestClient[Any, Any]) -> str:
    return str(client.make_url("")).rstrip("/")


async def refusal(client: TestClient[Any, Any], token: str | None) -> Any:
    sio = socketio.AsyncClient(reconnection=False)
    reasons: list[Any] = []
    sio.on("connect_error", reasons.append, namespace="/agent")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(
            base_url(client),
            namespaces=["/agent"],
            transports=["websocket"],
            auth={"token": token} if token is not None else None,
            wait_timeout=5,
        )
    await sio.disconnect()
    # python-socketio hands over {"message", "data"}; socket.io-client shows the same as err.data.
    return reasons[0]["data"]


async def test_no_token_is_refused_with_a_reason(client: TestClient[Any, Any]) -> None:
    reason = await refusal(client, None)
    assert reason["code"] == "unauthenticated"


async def test_forged_token_is_refused(client: TestClient[Any, Any]) -> None:
    from pydantic import SecretStr

    forged = TokenService(SecretStr("another-key-" + "z" * 40), 3600).mint("acme", "agent-1")
    reason = await refusal(client, forged)
    assert reason["code"] == "unauthenticated"


async def test_expired_token_is_refused(client: TestClient[Any, Any]) -> None:
    expired = TokenService(SECRET, 3600).mint("acme", "agent-1", ttl_seconds=-5)
    reason = await refusal(client, expired)
    assert reason == {"code": "token_expired", "message": "the session token has expired"}


async def test_a_refusal_is_told_only_to_that_client(
    client: TestClient[Any, Any], connect_widget: Any
) -> None:
    good = await connect_widget()
    await refusal(client, "not-a-token")

    assert good.client.connected
    assert good.pending("error") == 0


async def test_token_expiring_while_connected_stops_further_requests(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    short = TokenService(SECRET, 3600).mint("acme", "agent-1", ttl_seconds=60)
    widget = await open_widget(base_url(client), short)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 120)

    ack = await widget.call("join", {"conversation_id": "conv-1"})

    assert ack["error"]["code"] == "token_expired"
    await widget.client.disconnect()


@pytest.mark.parametrize(
    ("event_name", "payload", "field"),
    [
        ("join", {}, "conversation_id"),
        ("join", "conv-1", None),
        ("join", {"conversation_id": ""}, "conversation_id"),
        ("search", {"query": ""}, "query"),
        ("search", {"query": "x" * 501}, "query"),
        ("feedback", {"conversation_id": "c", "suggestion_id": "s", "action": "loved"}, "action"),
    ],
)
async def test_bad_client_payloads_get_an_error_event(
    connect_widget: Any, event_name: str, payload: Any, field: str | None
) -> None:
    widget = await connect_widget()

    ack = await widget.call(event_name, payload)
    error = await widget.next("error")

    assert ack["ok"] is False
    assert error["code"] == "invalid_input"
    assert error.get("field") == field
    assert ack["error"] == error


async def test_feedback_requires_joining_the_conversation(connect_widget: Any) -> None:
    widget = await connect_widget()

    ack = await widget.call(
        "feedback", {"conversation_id": "c", "suggestion_id": "s", "action": "used"}
    )

    assert ack["error"]["code"] == "forbidden"
