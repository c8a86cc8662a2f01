"""The sign-in popup's last page: it hands the outcome to the widget that opened it, then closes.

The outcome goes by ``window.opener.postMessage(message, origin)`` with cuecard's own origin as
the target, so no other page can read it; the widget checks the sender's origin and nonce.
"""

from __future__ import annotations

import html
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from server.auth.sessions import AgentSession
from server.errors import CuecardError

MESSAGE_TYPE = "cuecard.login"

_SCRIPT = """
const data = JSON.parse(document.getElementById("outcome").textContent);
if (window.opener) {
  window.opener.postMessage(data.message, data.origin);
  window.close();
} else {
  document.getElementById("hint").hidden = false;
}
"""


def origin_of(base_url: str) -> str:
    """``scheme://host[:port]`` of a URL: the postMessage target."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def signed_in_page(
    base_url: str, nonce: str, session: AgentSession, platform_name: str
) -> web.Response:
    """Success: the widget receives the cuecard session (never the platform's token)."""
    message = {
        "type": MESSAGE_TYPE,
        "nonce": nonce,
        "ok": True,
        "session": session.model_dump(mode="json"),
    }
    text = f"Signed in as {session.agent.name}. You can close this window."
    return _page(base_url, message, text, platform_name, status=200)


def failed_page(
    base_url: str, nonce: str | None, err: CuecardError, platform_name: str
) -> web.Response:
    """Failure: the widget shows ``err``'s message and offers to sign in again."""
    message = {"type": MESSAGE_TYPE, "nonce": nonce, "ok": False, "error": err.to_dict()}
    text = f"Sign-in failed: {err.message}"
    return _page(base_url, message, text, platform_name, status=err.status)


def _page(
    base_url: str, message: dict[str, Any], text: str, platform_name: str, *, status: int
) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    outcome = _script_json({"origin": origin_of(base_url), "message": message})
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cuecard sign-in</title></head>
<body>
<p data-testid="login-outcome">{html.escape(text)}</p>
<p id="hint" hidden>Return to {html.escape(platform_name)}; this window can be closed.</p>
<script type="application/json" id="outcome">{outcome}</script>
<script nonce="{nonce}">{_SCRIPT}</script>
</body></html>"""
    response = web.Response(text=body, content_type="text/html", status=status)
    response.headers.update(_headers(nonce))
    return response


def _script_json(value: Any) -> str:
    # Inside <script>, '<' could close the element early; JSON allows escaping it.
    encoded = json.dumps(value, separators=(",", ":"))
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _headers(script_nonce: str) -> dict[str, str]:
    policy = "; ".join(
        (
            "default-src 'none'",
            f"script-src 'nonce-{script_nonce}'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
