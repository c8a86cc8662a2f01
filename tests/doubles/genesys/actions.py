"""The double's agent actions: read a conversation, send a message on the agent's web-messaging
communication, save the agent's wrap-up.

Endpoints and bodies per platform-client-sdk ConversationsApi (cited in docs/genesys.md):

- ``GET /api/v2/conversations/{conversationId}`` -> Conversation
- ``POST /api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages``
  body AdditionalMessage (``textBody`` required, at most 2,000 characters) -> MessageData
- ``POST /api/v2/conversations/messages/{conversationId}/participants/{participantId}/
  communications/{communicationId}/wrapup`` body WrapupInput -> 202 Accepted

``world.conversations`` holds Conversation bodies: ``participants[]`` with ``id``, ``purpose``,
``userId`` and ``messages[]`` (communications ``{id, state, type}``). Only a user token of the
agent participant that owns the communication may act on it.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.doubles.genesys.world import GenesysWorld, Token, error_body

MAX_TEXT = 2000


def install(app: web.Application, world: GenesysWorld) -> None:
    """Add the conversation read and the two agent actions."""

    async def get_conversation(request: web.Request) -> web.Response:
        world.bearer(request)
        return web.json_response(_conversation(world, request.match_info["conversation_id"]))

    async def send_message(request: web.Request) -> web.Response:
        token = world.bearer(request)
        conversation = _conversation(world, request.match_info["conversation_id"])
        _owned_communication(conversation, token, None, request.match_info["communication_id"])
        body = await _json_object(request)
        text = body.get("textBody")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise _error(400, "bad.request", f"textBody is required (1-{MAX_TEXT} characters)")
        message = _message_data(conversation["id"], text)
        world.messages[message["id"]] = message
        return web.json_response(message)

    async def save_wrapup(request: web.Request) -> web.Response:
        token = world.bearer(request)
        conversation = _conversation(world, request.match_info["conversation_id"])
        participant = _owned_communication(
            conversation,
            token,
            request.match_info["participant_id"],
            request.match_info["communication_id"],
        )
        participant["wrapup"] = _wrapup(await _json_object(request))
        return web.Response(status=202)

    base = "/api/v2/conversations/messages/{conversation_id}"
    app.router.add_get("/api/v2/conversations/{conversation_id}", get_conversation)
    app.router.add_post(base + "/communications/{communication_id}/messages", send_message)
    app.router.add_post(
        base + "/participants/{participant_id}/communications/{communication_id}/wrapup",
        save_wrapup,
    )


def _error(status: int, code: str, message: str) -> web.HTTPException:
    error = web.HTTPException(
        text=json.dumps(error_body(status, code, message)), content_type="application/json"
    )
    error.set_status(status)
    return error


def _conversation(world: GenesysWorld, conversation_id: str) -> dict[str, Any]:
    conversation = world.conversations.get(conversation_id)
    if conversation is None:
        raise _error(404, "not.found", "The requested conversation was not found.")
    return conversation


def _owned_communication(
    conversation: dict[str, Any], token: Token, participant_id: str | None, communication_id: str
) -> dict[str, Any]:
    """The agent participant of the token's user that owns the communication; 403 otherwise."""
    if token.user_id is None:
        raise _error(403, "not.authorized", "Only a user token may act for an agent.")
    for participant in conversation.get("participants", []):
        if participant.get("userId") != token.user_id or participant.get("purpose") != "agent":
            continue
        if participant_id is not None and participant.get("id") != participant_id:
            continue
        if any(comm.get("id") == communication_id for comm in participant.get("messages", [])):
            found: dict[str, Any] = participant
            return found
    raise _error(403, "not.authorized", "The user is not the agent on this communication.")


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _error(400, "bad.request", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _error(400, "bad.request", "The request body must be a JSON object.")
    return body


def _message_data(conversation_id: str, text: str) -> dict[str, Any]:
    message_id = secrets.token_hex(16)
    return {
        "id": message_id,
        "conversationId": conversation_id,
        "direction": "outbound",
        "messengerType": "webmessaging",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "status": "sent",
        "textBody": text,
        "normalizedMessage": {"id": message_id, "type": "Text", "text": text},
    }


def _wrapup(body: dict[str, Any]) -> dict[str, Any]:
    notes, code, provisional = body.get("notes"), body.get("code"), body.get("provisional")
    if notes is not None and not isinstance(notes, str):
        raise _error(400, "bad.request", "notes must be a string")
    if code is None and provisional is not True:
        raise _error(400, "bad.request", "A wrap-up code is required unless provisional is true")
    return {"code": code, "notes": notes, "provisional": provisional is True}


def web_messaging_conversation(
    conversation_id: str, agent_user_id: str, *, queue_id: str = "q-support"
) -> dict[str, Any]:
    """A connected web-messaging Conversation: customer, ACD, and the agent's communication."""
    return {
        "id": conversation_id,
        "participants": [
            {
                "id": f"{conversation_id}-customer",
                "purpose": "customer",
                "messages": [{"id": f"{conversation_id}-comm-customer", "state": "connected"}],
            },
            {"id": f"{conversation_id}-acd", "purpose": "acd", "queueId": queue_id},
            {
                "id": f"{conversation_id}-agent",
                "purpose": "agent",
                "userId": agent_user_id,
                "queueId": queue_id,
                "messages": [
                    {
                        "id": f"{conversation_id}-comm-agent",
                        "state": "connected",
                        "type": "webmessaging",
                    }
                ],
            },
        ],
    }
