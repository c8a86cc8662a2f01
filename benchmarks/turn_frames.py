"""A digest of everything a replay of customer turns sends widgets and hands the journal.

Replays ``turn_cpu.py``'s customer lines (same options, same app) with every Socket.IO emit
and every journal entry recorded, in order, and prints one digest of them with a count per
event name: two checkouts that print the same digest sent the same events, payloads and
order. Lines carry a fixed time, so runs compare across days; card ids, which hash the
seeded documents' random ids, are numbered by first appearance.

    .venv/bin/python benchmarks/turn_frames.py --kb-passages 10000
    .venv/bin/python benchmarks/turn_frames.py --kb-passages 10000 --dump frames.jsonl
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import turn_cpu
from suggest_cpu import replay_parser

from server.journal.service import Journal
from server.realtime.rooms import Broadcaster

FIXED_NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
# A card id (server.assist.engine.card_id): 20 hex digits on their own (an answer id has "a-").
CARD_ID = re.compile(rb"(?<![-\w])[0-9a-f]{20}(?![0-9a-f])")


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return FIXED_NOW


@contextlib.contextmanager
def recording(frames: list[bytes]) -> Iterator[None]:
    """Record each emit (name, room, payload) and each journal entry, as JSON lines."""
    emit, record = Broadcaster._emit, Journal.record

    async def emitted(self: Broadcaster, event: str, payload: dict[str, Any], room: str) -> None:
        frames.append(orjson.dumps(["emit", event, room, payload]))
        await emit(self, event, payload, room)

    async def recorded(self: Journal, entry: Any, *args: Any, **kwargs: Any) -> Any:
        frames.append(orjson.dumps(["journal", entry.model_dump(mode="json")]))
        return await record(self, entry, *args, **kwargs)

    Broadcaster._emit = emitted  # type: ignore[method-assign]
    Journal.record = recorded  # type: ignore[method-assign]
    try:
        yield
    finally:
        Broadcaster._emit = emit  # type: ignore[method-assign]
        Journal.record = record  # type: ignore[method-assign]


def numbered(records: list[bytes]) -> bytes:
    """The records, one a line, with each card id replaced by its order of first appearance."""
    seen: dict[bytes, int] = {}
    text = b"\n".join(records) + b"\n"
    return CARD_ID.sub(lambda found: b"card-%d" % seen.setdefault(found[0], len(seen)), text)


def main(argv: list[str] | None = None) -> int:
    parser = replay_parser(__doc__.splitlines()[0], "also time each step on the event loop")
    parser.add_argument("--dump", metavar="FILE", help="also write every record, one a line")
    args = parser.parse_args(argv)
    frames: list[bytes] = []
    turn_cpu.datetime = _FixedClock  # type: ignore[attr-defined]
    with recording(frames), tempfile.TemporaryDirectory(prefix="cuecard-frames-") as workdir:
        asyncio.run(turn_cpu.replay(args, Path(workdir)))
    text = numbered(frames)
    counts = Counter(
        orjson.loads(frame)[1] if frame.startswith(b'["emit"') else "journal entry"
        for frame in frames
    )
    for name, count in sorted(counts.items()):
        print(f"  {name:<24} {count}")
    print(f"frames digest       {hashlib.sha256(text).hexdigest()[:16]} ({len(frames)} records)")
    if args.dump:
        Path(args.dump).write_bytes(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
