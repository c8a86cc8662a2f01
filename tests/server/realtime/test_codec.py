"""WidgetPacket: the same wire text as python-socketio's own packets, serialised once."""

from __future__ import annotations

import json

import pytest
from socketio import packet as sio_packet

from server.realtime.codec import OrjsonCodec, WidgetPacket

PAYLOADS = [
    ["transcript", {"conversation_id": "c-1", "line": {"seq": 3, "text": 'ünïcode ✓ "quoted"'}}],
    ["suggestions", {"items": [{"score": 0.1234, "highlights": [[0, 4]]}], "ok": True}],
    ["status", None],
    ["answer.delta", {"index": 0, "text": "line\nbreak\ttab \u2028"}],
]


@pytest.mark.parametrize("data", PAYLOADS, ids=lambda d: d[0])
@pytest.mark.parametrize("packet_id", [None, 7])
def test_encodes_what_python_socketio_would_send(data: list[object], packet_id: int | None) -> None:
    ours = WidgetPacket(sio_packet.EVENT, data=data, namespace="/agent", id=packet_id).encode()
    theirs = sio_packet.Packet(sio_packet.EVENT, data=data, namespace="/agent", id=packet_id)

    assert isinstance(ours, str)
    # Same packet header and the same JSON value (orjson escapes nothing it need not).
    assert ours[: ours.index("[")] == theirs.encode()[: theirs.encode().index("[")]
    assert json.loads(ours[ours.index("[") :]) == data


def test_binary_payloads_keep_python_socketios_attachments() -> None:
    data = ["file", {"blob": b"\x00\x01"}]

    ours = WidgetPacket(sio_packet.EVENT, data=data, namespace="/agent").encode()
    theirs = sio_packet.Packet(sio_packet.EVENT, data=data, namespace="/agent").encode()

    assert ours == theirs
    assert isinstance(ours, list)
    assert ours[1] == b"\x00\x01"  # a binary attachment


def test_a_payload_changed_after_construction_is_encoded_as_it_is_now() -> None:
    pkt = WidgetPacket(sio_packet.EVENT, data=["a", 1], namespace="/agent")
    pkt.data = ["b", 2]

    assert pkt.encode() == '2/agent,["b",2]'


def test_decodes_client_packets_and_refuses_malformed_json() -> None:
    pkt = WidgetPacket(encoded_packet='2/agent,5["join",{"conversation_id":"c-1"}]')

    assert (pkt.namespace, pkt.id, pkt.data) == ("/agent", 5, ["join", {"conversation_id": "c-1"}])
    with pytest.raises(ValueError, match=r"JSON|expected"):
        WidgetPacket(encoded_packet='2/agent,["join",{')


def test_codec_falls_back_to_the_standard_library_for_what_orjson_refuses() -> None:
    # Integer dictionary keys: orjson refuses them, json writes them as strings.
    assert OrjsonCodec.dumps({1: "a"}) == '{"1":"a"}'
    assert OrjsonCodec.loads('{"a":[1,2.5,null]}') == {"a": [1, 2.5, None]}
