"""Flash messages: one line shown on the page a form redirects to, in a signed cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Literal

from aiohttp import web
from pydantic import SecretStr

FLASH_COOKIE = "cuecard_flash"
FlashKind = Literal["success", "error"]


def _key(secret: SecretStr) -> bytes:
    # Its own key: a flash signature can never pass for anything else signed by the server.
    context = b"cuecard/admin/flash/v1"
    return hmac.new(secret.get_secret_value().encode(), context, "sha256").digest()


def _sign(secret: SecretStr, payload: bytes) -> str:
    return hmac.new(_key(secret), payload, hashlib.sha256).hexdigest()


def set_flash(
    response: web.StreamResponse,
    secret: SecretStr,
    text: str,
    kind: FlashKind = "success",
    *,
    secure: bool,
) -> None:
    """Show ``text`` on the next page rendered for this browser (``secure`` behind https)."""
    payload = base64.urlsafe_b64encode(json.dumps({"text": text, "kind": kind}).encode())
    value = f"{payload.decode()}.{_sign(secret, payload)}"
    response.set_cookie(
        FLASH_COOKIE, value, httponly=True, samesite="Lax", secure=secure, path="/admin/"
    )


def read_flash(request: web.Request, secret: SecretStr) -> dict[str, str] | None:
    """The pending message, if its signature holds (anything else is ignored)."""
    value = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = value.partition(".")
    if not signature or not hmac.compare_digest(signature, _sign(secret, payload.encode())):
        return None
    try:
        message = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return None
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return None
    return {"text": message["text"], "kind": str(message.get("kind", "success"))}


def clear_flash(response: web.StreamResponse) -> None:
    """The message was shown; forget it."""
    response.del_cookie(FLASH_COOKIE, path="/admin/")
