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


class SseDecoder:
    """Feed it bytes as they arrive; it returns the data of every event they complete."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        """The data of the events completed by ``chunk``, in order."""
        self._buffer += self._text.decode(chunk)
        events: list[str] = []
        while (line := self._next_line()) is not None:
            data = self._take_line(line)
            if data is not None:
                events.append(data)
        return events

    def _next_line(self) -> str | None:
        match = _LINE_END.search(self._buffer)
        # A trailing "\r" may be the first half of "\r\n": wait for the next chunk.
        if match is None or (match.group() == "\r" and match.end() == len(self._buffer)):
            return None
        line = self._buffer[: match.start()]
        self._buffer = self._buffer[match.end() :]
        return line

    def _take_line(self, line: str) -> str | None:
        if not line:
            if not self._data:
                return None
            data = "\n".join(self._data)
            self._data = []
            return data
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value.removeprefix(" "))
        return None
