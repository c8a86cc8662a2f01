"""WebSocket frames for several messages at once, so they reach the socket in one write.

aiohttp writes each message to the transport on its own, and a transport with nothing
buffered sends at once: a system call per message. The widget's writer often has several
messages in hand (a customer turn's card set, details and step card); framing them together
and writing the bytes once costs one call. The frames are what aiohttp's writer makes for a
server without compression (RFC 6455 section 5.2: final, unmasked, no extension bits).
"""

from __future__ import annotations

import struct

# FIN bit with the opcode of a text or a binary message.
_TEXT = 0x80 | 0x1
_BINARY = 0x80 | 0x2
# Payload lengths up to 125 fit the second byte; up to 65,535 take 16 bits, larger 64.
_SHORT = struct.Struct("!BB")
_MEDIUM = struct.Struct("!BBH")
_LONG = struct.Struct("!BBQ")


def frame(message: str | bytes) -> bytes:
    """One message as one WebSocket frame: text for ``str``, binary for ``bytes``."""
    if isinstance(message, str):
        payload, first = message.encode(), _TEXT
    else:
        payload, first = message, _BINARY
    size = len(payload)
    if size < 126:
        header = _SHORT.pack(first, size)
    elif size < 65536:
        header = _MEDIUM.pack(first, 126, size)
    else:
        header = _LONG.pack(first, 127, size)
    return header + payload


def frames(messages: list[str | bytes]) -> bytes:
    """The messages' frames, in order, as one buffer."""
    return b"".join(frame(message) for message in messages)
