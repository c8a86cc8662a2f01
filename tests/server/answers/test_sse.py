"""The event-stream decoder copes with however the network splits the stream."""

from __future__ import annotations

from server.answers.sse import SseDecoder

STREAM = (
    b": keep-alive\n\n"
    b'data: {"choices":[{"delta":{"content":"Caf\xc3\xa9 [P1]"}}]}\n\n'
    b"event: ping\nid: 7\nretry: 1000\n\n"
    b"data: line one\r\ndata: line two\r\n\r\n"
    b"data:no-space\r\rdata: [DONE]\n\n"
)
EXPECTED = [
    '{"choices":[{"delta":{"content":"Café [P1]"}}]}',
    "line one\nline two",
    "no-space",
    "[DONE]",
]


def test_whole_stream_at_once() -> None:
    assert SseDecoder().feed(STREAM) == EXPECTED


def test_every_split_point_gives_the_same_events() -> None:
    # Splits land inside lines, inside "\r\n", and inside the two-byte "é".
    for cut in range(1, len(STREAM)):
        decoder = SseDecoder()
        events = decoder.feed(STREAM[:cut]) + decoder.feed(STREAM[cut:])
        assert events == EXPECTED, cut


def test_byte_by_byte() -> None:
    decoder = SseDecoder()
    events = [event for i in range(len(STREAM)) for event in decoder.feed(STREAM[i : i + 1])]
    assert events == EXPECTED


def test_an_event_is_only_complete_at_its_blank_line() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: partial") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\n") == ["partial"]


def test_comments_and_empty_events_produce_nothing() -> None:
    assert SseDecoder().feed(b": one\n\n:two\n\n\n\n") == []
