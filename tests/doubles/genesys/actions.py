"""The double's agent actions: send a message on the agent's web-messaging communication, save
the agent's wrap-up. (Conversation reads are in :mod:`tests.doubles.genesys.conversations`.)

Endpoints and bodies per platform-client-sdk ConversationsApi (cited in docs/genesys.md):

- ``POST /api/v2/conversations/messages/{conversationId}/communications/{communicationId}/messages``
  body AdditionalMessage (``textBody`` required, at most 2,000 characters) -> MessageData
- ``POST /api/v2/conversations/messages/{conversationId}/participants/{participantId}/
  communications/{communicationId}/wrapup`` body WrapupInput -> 202 Accepted

``world.conversations`` holds Conversation bodies: ``participants[]`` with ``id``, ``purpose``,
``userId`` and ``messages[]`` (communications ``{id, state, type, messages[]}``). Only a user
token of the agent participant that owns the communication may act on it. A sent message is
stored, listed on the agent's communication and announced on the conversation's topics, as
Genesys does for any agent message.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import web

from tests.doubles.genesys.conversations import messages_topic_body
from tests.doubles.genesys.messaging import message_data, timestamp
from tests.doubles.genesys.world import GenesysWorld, Token, error_body

MAX_TEXT = 2000


def install(app: web.Application, world: GenesysWorld) -> None:
    """Add the conversation read and the two agent actions."""

    async def send_message(request: web.Request) -> web.Response:
        token = world.bearer(request)
        conversation = _conversation(world, request.match_info["conversation_id"])
        _, communication = _owned_communication(
            conversation, token, None, request.match_info["communication_id"]
        )
        body = await _json_object(request)
        text = body.get("textBody")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise _error(400, "bad.request", f"textBody is required (1-{MAX_TEXT} characters)")
        message = _post(world, conversation, communication, text)
        return web.json_response(message)

    async def save_wrapup(request: web.Request) -> web.Response:
        token = world.bearer(request)
        conversation = _conversation(world, request.match_info["conversation_id"])
        participant, _ = _owned_communication(
            conversation,
            token,
            request.match_info["participant_id"],
            request.match_info["communication_id"],
        )
        participant["wrapup"] = _wrapup(await _json_object(request))
        return web.Response(status=202)

    base = "/api/v2/conversations/messages/{conversation_id}"
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
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The token's user's agent participant and its communication; 403 otherwise."""
    if token.user_id is None:
        raise _error(403, "not.authorized", "Only a user token may act for an agent.")
    for participant in conversation.get("participants", []):
        if participant.get("userId") != token.user_id or participant.get("purpose") != "agent":
            continue
        if participant_id is not None and participant.get("id") != participant_id:
            continue
        for communication in participant.get("messages", []):
            if communication.get("id") == communication_id:
                return participant, communication
    raise _error(403, "not.authorized", "The user is not the agent on this communication.")


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _error(400, "bad.request", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _error(400, "bad.request", "The request body must be a JSON object.")
    return body


def _post(
    world: GenesysWorld, conversation: dict[str, Any], communication: dict[str, Any], text: str
) -> dict[str, Any]:
    """Store an agent message, list it on the communication and announce the change."""
    message_id = f"m-{secrets.token_hex(6)}"
    at = timestamp()
    message = message_data(message_id, conversation["id"], text, direction="outbound", at=at)
    world.messages[message_id] = message
    communication.setdefault("messages", []).append(
        {"messageId": message_id, "messageTime": at, "messageStatus": "sent"}
    )
    _announce(world, conversation)
    return message


def _announce(world: GenesysWorld, conversation: dict[str, Any]) -> None:
    """Publish the conversation on its queues' and users' topics (protocols.md 1.6)."""
    participants = conversation.get("participants", [])
    owners = {f"v2.routing.queues.{p['queueId']}" for p in participants if p.get("queueId")}
    owners |= {f"v2.users.{p['userId']}" for p in participants if p.get("userId")}
    for owner in sorted(owners):
        world.channels.publish(f"{owner}.conversations", conversation)
        world.channels.publish(f"{owner}.conversations.messages", messages_topic_body(conversation))


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
