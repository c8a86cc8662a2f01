"""The widget endpoint's JSON: orjson behind the ``dumps``/``loads`` module python-socketio expects.

python-socketio serialises every packet with ``Packet.json.dumps`` and, before that, walks the
payload once more looking for ``bytes`` (``Packet.data_is_binary``): at a few hundred emits a
second the two pure-Python walks were a tenth of the server's CPU (docs/benchmarks.md).
:class:`WidgetPacket` serialises the payload once, in C, and reuses the text for ``encode``.
It is handed to the server as its ``serializer`` rather than through ``json=``, which would also
replace engineio's module for every server in the process.
"""

from __future__ import annotations

import json as stdlib_json
import math
import re
from typing import Any, NoReturn

import orjson
from socketio import packet as sio_packet


class OrjsonCodec:
    """The ``json`` module subset python-socketio and python-engineio call."""

    @staticmethod
    def dumps(obj: Any, **_options: Any) -> str:
        """Compact JSON text; what orjson cannot encode falls back to the standard library."""
        # Socket.IO always asks for compact separators, which is all orjson writes.
        try:
            return orjson.dumps(obj).decode()
        except TypeError:
            return stdlib_json.dumps(obj, separators=(",", ":"))

    @staticmethod
    def loads(text: str | bytes, **_options: Any) -> Any:
        """Parsed JSON; malformed text raises ``ValueError`` as the standard library does.

        An integer of any length parses in linear time (orjson makes huge ones floats), so the
        standard library's quadratic big-integer parsing cannot be triggered by a client.
        """
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            as_text = text if isinstance(text, str) else text.decode(errors="replace")
            if not _ESCAPED_SURROGATE.search(as_text):
                raise
        return _loads_with_surrogates(text)


# A \uD800-\uDFFF escape: JSON allows one unpaired (JSON.stringify writes it for a string cut
# inside a surrogate pair, e.g. a desktop's message truncated mid-emoji); orjson refuses it.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _loads_with_surrogates(text: str | bytes) -> Any:
    """JSON text with an unpaired surrogate escape, parsed as the standard library reads it.

    The payload then reaches its model, which refuses the string with a reason the client is
    told (``invalid_input`` naming the field), instead of the packet being dropped unanswered.
    Only what orjson would also accept is: no NaN or Infinity, no number beyond a double, no
    integer past Python's digit limit, no nesting past the recursion limit.
    """
    try:
        return stdlib_json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError as err:
        raise ValueError("JSON nests too deeply") from err


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} does not fit a double")
    return value


class WidgetPacket(sio_packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet whose payload is serialised once, by orjson.

    A payload orjson can serialise holds no ``bytes`` (it refuses them), so it is a plain
    packet; anything else takes python-socketio's own path (binary attachments included).
    """

    json = OrjsonCodec

    def __init__(
        self,
        packet_type: int = sio_packet.EVENT,
        data: Any = None,
        namespace: str | None = None,
        id: int | None = None,  # python-socketio's parameter name
        binary: bool | None = None,
        encoded_packet: Any = None,
    ) -> None:
        self._encoded_data: str | None = None
        if data is not None and binary is None and encoded_packet is None:
            try:
                self._encoded_data = orjson.dumps(data).decode()
                binary = False
            except TypeError:
                pass  # bytes, or a type only the standard library knows: the parent decides
        self._encoded_from = data
        super().__init__(packet_type, data, namespace, id, binary, encoded_packet)

    def encode(self) -> Any:
        """The packet as text, from the payload serialised at construction when still valid."""
        if self._encoded_data is None or self.data is not self._encoded_from:
            return super().encode()
        head = str(self.packet_type)
        if self.namespace is not None and self.namespace != "/":
            head += self.namespace + ","
        if self.id is not None:
            head += str(self.id)
        return head + self._encoded_data
