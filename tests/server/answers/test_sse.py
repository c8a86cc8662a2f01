"""The event-stream decoder copes with however the network splits the stream."""

from __future__ import annotations

import time

import pytest

from server.answers.sse import MAX_EVENT_CHARS, SseDecoder, SseTooLarge

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


def test_one_read_of_many_short_lines_is_linear() -> None:
    # Each line was cut off the front of the buffer, copying the rest: 8.7 s of the event
    # loop for this one megabyte (an endpoint's keep-alive comments, say).
    started = time.perf_counter()
    assert SseDecoder().feed(b":\n" * 250_000 + b"data: x\n\n") == ["x"]
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "reads",
    [
        [b"x" * 65_536] * 5,  # a line that never ends
        [b"data: " + b"y" * 100_000 + b"\n"] * 3,  # an event whose data never ends
    ],
)
def test_a_line_or_event_past_the_limit_is_refused(reads: list[bytes]) -> None:
    decoder = SseDecoder()
    for read in reads[:-1]:
        decoder.feed(read)
    with pytest.raises(SseTooLarge):
        decoder.feed(reads[-1])


def test_events_just_under_the_limit_pass() -> None:
    data = "z" * (MAX_EVENT_CHARS - 10)
    decoder = SseDecoder()
    assert decoder.feed(f"data: {data}\n\n".encode() * 2) == [data, data]
