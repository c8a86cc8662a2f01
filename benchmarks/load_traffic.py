"""Customer messages posted at a steady rate, and a probe of the WebSocket handshake."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

import server
from server.kb.loader import load_folder

DEMO_DIR = Path(server.__file__).parent / "demo"
PROVIDER = "loadtest"
# Customer turns shorter than this are chit-chat ("thanks a lot") that retrieves nothing alone.
MIN_TURN_CHARS = 40


def customer_texts() -> list[str]:
    """Realistic customer lines: the demo scripts' customer turns and the demo KB's topics."""
    texts = []
    for script in sorted((DEMO_DIR / "conversations").glob("*.json")):
        turns = json.loads(script.read_text())["turns"]
        texts += [
            turn["text"]
            for turn in turns
            if turn.get("speaker") == "customer" and len(turn["text"]) >= MIN_TURN_CHARS
        ]
    for document in load_folder(DEMO_DIR / "kb"):
        texts.append(f"hi, I need some help please: {document.title.lower()}")
    return texts


def message_event(
    tenant_id: str, event_id: str, conversation_id: str, text: str, speaker: str = "customer"
) -> bytes:
    """A canonical ``message`` event as a JSON body (a customer's line unless told)."""
    event = {
        "kind": "message",
        "tenant_id": tenant_id,
        "provider": PROVIDER,
        "provider_event_id": event_id,
        "conversation_id": conversation_id,
        "occurred_at": datetime.now(UTC).isoformat(),
        "speaker": speaker,
        "text": text,
    }
    return json.dumps(event).encode()


@dataclass
class Posted:
    """Send times (``time.monotonic()``) of accepted events, and what went wrong."""

    sent_at: dict[str, float] = field(default_factory=dict)
    conversation: dict[str, str] = field(default_factory=dict)
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, reason: str) -> None:
        """Count one event the server did not accept."""
        self.failed += 1
        if len(self.errors) < 5:
            self.errors.append(reason)


@dataclass(frozen=True)
class TrafficPlan:
    """Who to post to, how fast and for how long."""

    base_url: str
    api_key: str
    tenant_id: str
    conversations: list[str]
    rate: float
    duration: float
    seed: int = 7
    # "agent" lines are relayed (``transcript``) without retrieval; customer lines retrieve.
    speaker: str = "customer"


async def _post_one(
    session: aiohttp.ClientSession, plan: TrafficPlan, event_id: str, body: bytes, out: Posted
) -> None:
    headers = {"Authorization": f"Bearer {plan.api_key}", "Content-Type": "application/json"}
    started = time.monotonic()
    try:
        async with session.post(
            f"{plan.base_url}/api/v1/events", data=body, headers=headers
        ) as response:
            if response.status != 200:
                out.fail(f"HTTP {response.status}: {(await response.text())[:200]}")
                return
    except aiohttp.ClientError as err:
        out.fail(f"{type(err).__name__}: {err}")
        return
    out.sent_at[event_id] = started


async def post_messages(plan: TrafficPlan) -> Posted:
    """Post ``rate`` events a second for ``duration`` seconds, open loop (no waiting on replies).

    Event ``i`` is due at ``start + i / rate``; each POST runs as its own task, so a slow reply
    does not delay the next event.
    """
    out = Posted()
    texts, picker = customer_texts(), random.Random(plan.seed)
    total = round(plan.rate * plan.duration)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks, start = [], time.monotonic()
        for index in range(total):
            await asyncio.sleep(max(0.0, start + index / plan.rate - time.monotonic()))
            event_id = f"ev-{index}"
            conversation = plan.conversations[index % len(plan.conversations)]
            out.conversation[event_id] = conversation
            text = picker.choice(texts)
            body = message_event(plan.tenant_id, event_id, conversation, text, plan.speaker)
            tasks.append(asyncio.create_task(_post_one(session, plan, event_id, body, out)))
        out.seconds = time.monotonic() - start
        await asyncio.gather(*tasks)
    return out


async def probe_handshake(base_url: str, compress: int) -> tuple[str, str, int]:
    """Open one raw Engine.IO WebSocket offering permessage-deflate as a browser does.

    Returns the Sec-WebSocket-Extensions the client sent, the one the server answered
    (empty if it declined) and the window bits aiohttp negotiated (0 = no compression).
    """
    seen: dict[str, str] = {}

    async def on_end(_: Any, __: SimpleNamespace, params: aiohttp.TraceRequestEndParams) -> None:
        seen["offered"] = params.headers.get("Sec-WebSocket-Extensions", "")
        seen["answered"] = params.response.headers.get("Sec-WebSocket-Extensions", "")

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    url = f"{base_url}/socket.io/?EIO=4&transport=websocket"
    async with (
        aiohttp.ClientSession(trace_configs=[trace]) as session,
        session.ws_connect(url, compress=compress) as ws,
    ):
        await ws.receive(timeout=10)  # the Engine.IO open packet
        negotiated = int(ws.compress)
    return seen.get("offered", ""), seen.get("answered", ""), negotiated
