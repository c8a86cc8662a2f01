"""Quality benchmark: does the default engine suggest the right article during a conversation?

Run from the repository root::

    .venv/bin/python benchmarks/quality.py
    .venv/bin/python benchmarks/quality.py --per-turn --verbose
    .venv/bin/python benchmarks/quality.py --min-recall3 0.7     # exit 1 below 70 % recall@3

It loads the demo knowledge base through the real loader, builds the engine that
``server.wiring.build_services`` builds, and replays every conversation of the evaluation set
turn by turn through ``Assistant.suggest``, asking after each customer turn, as the pipeline
does. See docs/quality.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quality_data import (
    EVAL_SET,
    TENANT,
    Conversation,
    build_engine,
    demo_documents,
    is_substantive,
    load_conversations,
)
from quality_score import Outcome, render, render_misses, summarise

from providers.models import Speaker
from server.assist.base import Assistant, AssistRequest
from server.conversation import Line
from server.ingest.pipeline import CONTEXT_LINES

LIMIT = 3
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="benchmarks/quality.py",
        description="Replay scripted conversations through the default knowledge engine and "
        "score whether the expected article is suggested.",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=EVAL_SET,
        help="evaluation set, JSON lines (default: %(default)s)",
    )
    parser.add_argument(
        "--per-turn", action="store_true", help="also show recall after each customer turn"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="list the misses with the top 3 suggested"
    )
    parser.add_argument(
        "--min-recall3",
        type=float,
        metavar="X",
        help="exit 1 when recall@3 after the last customer turn is below X (0 to 1)",
    )
    return parser.parse_args(argv)


def transcript(conversation: Conversation, upto: int) -> list[Line]:
    """The turns up to index ``upto`` as numbered lines, as the state store keeps them."""
    return [
        Line(
            seq=seq,
            event_id=f"{conversation.id}-e{seq}",
            speaker=Speaker(turn.speaker),
            text=turn.text,
            occurred_at=START + timedelta(seconds=20 * seq),
        )
        for seq, turn in enumerate(conversation.turns[: upto + 1], start=1)
    ]


async def replay(engine: Assistant, conversation: Conversation) -> Outcome:
    """Ask the engine after each customer turn and keep the suggested article ids."""
    rankings = []
    for number, index in enumerate(conversation.customer_turns, start=1):
        lines = transcript(conversation, index)
        request = AssistRequest(
            tenant_id=TENANT,
            # A fresh id per prefix, so an engine that avoids repeating itself within a
            # conversation cannot hide the gold article just because it showed it earlier.
            conversation_id=f"{conversation.id}-{number}",
            lines=lines[-CONTEXT_LINES:],
            trigger_event_id=lines[-1].event_id,
            limit=LIMIT,
        )
        suggestions = await engine.suggest(request)
        rankings.append(tuple(item.source.document_id for item in suggestions[:LIMIT]))
    texts = [conversation.turns[index].text for index in conversation.customer_turns]
    first = next((n for n, text in enumerate(texts) if is_substantive(text)), len(texts) - 1)
    return Outcome(conversation.id, conversation.gold, tuple(rankings), first)


async def measure(data: Path) -> tuple[str, list[Outcome]]:
    """The engine's name and one outcome per conversation of the evaluation set."""
    conversations = load_conversations(data)
    engine = build_engine()
    kb, documents = demo_documents()
    await engine.load(kb, documents)
    outcomes = [await replay(engine, conversation) for conversation in conversations]
    return type(engine).__name__, outcomes


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures; 0 unless ``--min-recall3`` is not met."""
    args = parse_args(argv)
    engine, outcomes = asyncio.run(measure(args.data))
    summary = summarise(outcomes)
    print(render(summary, engine=engine, show_per_turn=args.per_turn))
    if args.verbose:
        print(render_misses(outcomes))
    if args.min_recall3 is not None and summary.recall3 < args.min_recall3:
        print(f"recall@3 {summary.recall3:.3f} is below {args.min_recall3:.3f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
