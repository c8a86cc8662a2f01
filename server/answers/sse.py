"""An incremental ``text/event-stream`` decoder (the WHATWG server-sent events format).

Network reads split the stream anywhere: inside a line, between ``\\r`` and ``\\n``, inside a
UTF-8 character. The decoder keeps what is incomplete and returns each event's data once its
terminating blank line has arrived. Comment lines (``: keep-alive``) and fields other than
``data`` are ignored.
"""

from __future__ import annotations

import codecs
import re

_LINE_END = re.compile(r"\r\n|\r|\n")
# A line, or an event's data, longer than this is no chat completion chunk (those are a few
# hundred characters): the endpoint is refused rather than buffered without end. Each read
# looks for a line end in what is kept from the last one, so the cap also bounds that work.
MAX_EVENT_CHARS = 256 * 1024


class SseTooLarge(ValueError):
    """A line or an event of the stream is longer than ``MAX_EVENT_CHARS``."""


class SseDecoder:
    """Feed it bytes as they arrive; it returns the data of every event they complete.

    Raises :class:`SseTooLarge` once a line or an event outgrows ``MAX_EVENT_CHARS``.
    """

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._data: list[str] = []
        self._data_chars = 0

    def feed(self, chunk: bytes) -> list[str]:
        """The data of the events completed by ``chunk``, in order."""
        buffer = self._buffer + self._text.decode(chunk)
        events: list[str] = []
        # Lines are read in place and the rest kept once: cutting each line off the front of
        # the buffer copied the rest per line, seconds for one read of many short lines.
        start = 0
        for end in _LINE_END.finditer(buffer):
            # A trailing "\r" may be the first half of "\r\n": wait for the next chunk.
            if end.group() == "\r" and end.end() == len(buffer):
                break
            data = self._take_line(buffer[start : end.start()])
            start = end.end()
            if data is not None:
                events.append(data)
        self._buffer = buffer[start:]
        if len(self._buffer) > MAX_EVENT_CHARS:
            raise SseTooLarge(f"a line of the stream is over {MAX_EVENT_CHARS} characters")
        return events

    def _take_line(self, line: str) -> str | None:
        if not line:
            if not self._data:
                return None
            data = "\n".join(self._data)
            self._data = []
            self._data_chars = 0
            return data
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value.removeprefix(" "))
            self._data_chars += len(value)
            if self._data_chars > MAX_EVENT_CHARS:
                raise SseTooLarge(f"an event of the stream is over {MAX_EVENT_CHARS} characters")
        return None
