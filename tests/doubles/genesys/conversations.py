"""The double's conversation reads (protocols.md 1.7-1.8) and the body shapes they share.

``world.conversations`` holds each conversation as ``GET /api/v2/conversations/{id}``
returns it (communications nested in media arrays). The messaging view
(``GET /api/v2/conversations/messages/{id}``) and the ``.messages`` notification body are
derived from it, so every shape always tells the same story.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.doubles.genesys.world import GenesysWorld, error_body

MESSAGES = "/api/v2/conversations/messages"
MAX_BULK_IDS = 1000


def install(app: web.Application, world: GenesysWorld) -> None:
    """Add the conversation and message read endpoints."""

    async def conversation(request: web.Request) -> web.Response:
        world.bearer(request)
        return web.json_response(_conversation(world, request.match_info["conversation_id"]))

    async def message_conversation(request: web.Request) -> web.Response:
        world.bearer(request)
        body = _conversation(world, request.match_info["conversation_id"])
        return web.json_response(message_conversation_body(body))

    async def message(request: web.Request) -> web.Response:
        world.bearer(request)
        data = world.messages.get(request.match_info["message_id"])
        if data is None or data["conversationId"] != request.match_info["conversation_id"]:
            raise _not_found("Message not found")
        return web.json_response(_shown(data, request))

    async def bulk(request: web.Request) -> web.Response:
        world.bearer(request)
        conversation_id = request.match_info["conversation_id"]
        ids = await _message_ids(request)
        entities = [
            _shown(world.messages[message_id], request)
            for message_id in ids
            if world.messages.get(message_id, {}).get("conversationId") == conversation_id
        ]
        return web.json_response({"entities": entities})

    app.router.add_get("/api/v2/conversations/{conversation_id}", conversation)
    app.router.add_get(MESSAGES + "/{conversation_id}", message_conversation)
    app.router.add_get(MESSAGES + "/{conversation_id}/messages/{message_id}", message)
    app.router.add_post(MESSAGES + "/{conversation_id}/messages/bulk", bulk)


def message_conversation_body(conversation: dict[str, Any]) -> dict[str, Any]:
    """``MessageConversation``: participants flattened, details with ``messageId``."""
    participants = [
        _flat(participant, leg, _detail_by_id)
        for participant in conversation["participants"]
        for leg in participant.get("messages", [])
    ]
    return {"id": conversation["id"], "participants": participants}


def messages_topic_body(conversation: dict[str, Any]) -> dict[str, Any]:
    """The ``...conversations.messages`` notification body: details name ``message.id``."""
    participants = [
        _flat(participant, leg, _detail_by_reference)
        for participant in conversation["participants"]
        for leg in participant.get("messages", [])
    ]
    return {"id": conversation["id"], "participants": participants}


def _flat(participant: dict[str, Any], leg: dict[str, Any], detail: Any) -> dict[str, Any]:
    flat: dict[str, Any] = {
        "id": participant["id"],
        "name": participant.get("name"),
        "purpose": participant["purpose"],
        "state": leg["state"],
        "direction": leg.get("direction"),
        "held": leg.get("held", False),
        "type": leg.get("type", "webmessaging"),
        "connectedTime": leg.get("connectedTime"),
        "endTime": participant.get("endTime"),
        "messages": [detail(item) for item in leg.get("messages", [])],
    }
    if leg.get("startHoldTime"):
        flat["startHoldTime"] = leg["startHoldTime"]
    if participant.get("userId"):
        flat["user"] = {"id": participant["userId"]}
    if participant.get("queueId"):
        flat["queue"] = {"id": participant["queueId"]}
    return {key: value for key, value in flat.items() if value is not None}


def _detail_by_id(detail: dict[str, Any]) -> dict[str, Any]:
    return {**detail, "messageURI": f"{MESSAGES}/x/messages/{detail['messageId']}"}


def _detail_by_reference(detail: dict[str, Any]) -> dict[str, Any]:
    rest = {key: value for key, value in detail.items() if key != "messageId"}
    return {"message": {"id": detail["messageId"]}, **rest}


def _shown(data: dict[str, Any], request: web.Request) -> dict[str, Any]:
    # useNormalizedMessage=true leaves out the deprecated textBody and media.
    if request.query.get("useNormalizedMessage") == "true":
        return {key: value for key, value in data.items() if key not in {"textBody", "media"}}
    return data


def _conversation(world: GenesysWorld, conversation_id: str) -> dict[str, Any]:
    body = world.conversations.get(conversation_id)
    if body is None:
        raise _not_found("Conversation not found")
    return body


async def _message_ids(request: web.Request) -> list[str]:
    try:
        ids = await request.json()
    except ValueError:
        ids = None
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise _bad_request("Body must be a JSON array of message ids")
    if len(ids) > MAX_BULK_IDS:
        raise _bad_request(f"At most {MAX_BULK_IDS} message ids per request")
    return ids


def _not_found(message: str) -> web.HTTPException:
    body = json.dumps(error_body(404, "not.found", message))
    return web.HTTPNotFound(text=body, content_type="application/json")


def _bad_request(message: str) -> web.HTTPException:
    body = json.dumps(error_body(400, "bad.request", message))
    return web.HTTPBadRequest(text=body, content_type="application/json")
