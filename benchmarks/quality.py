"""Quality benchmark: does the agent's widget show the right card while a conversation goes on?

Run from the repository root::

    .venv/bin/python benchmarks/quality.py                   # the tuning sets
    .venv/bin/python benchmarks/quality.py --set heldout     # the held-out split
    .venv/bin/python benchmarks/quality.py --set heldout2    # the second held-out split
    .venv/bin/python benchmarks/quality.py --per-turn --verbose
    .venv/bin/python benchmarks/quality.py --min-recall3 0.8 # exit 1 below 80 % last-turn R@3

Everything goes through the live path: the app ``create_app`` builds, the knowledge bases
seeded through the store, each conversation's lines posted to ``POST /api/v1/events`` and a
Socket.IO widget (python-socketio on ``/agent``) recording what the server pushes. The cards
scored are the cards that widget would show. See docs/quality.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from quality_data import (
    KNOWLEDGE_BASES,
    SETS,
    Conversation,
    Entity,
    is_substantive,
    load_conversations,
    load_set,
)
from quality_entities import counts_by_type, render_by_type, render_errors
from quality_live import LiveServer, LiveWidget, Pushes, tenant_for
from quality_score import Outcome, StepSeen, render, render_misses, summarise

# The old widget kept up to this many cards, the newest set on top.
MAX_CARDS = 10


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="benchmarks/quality.py",
        description="Replay scripted conversations through a live cuecard server and score "
        "the cards, step cards and details its widget shows.",
    )
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        default="tuning",
        help="which evaluation set to replay (default: %(default)s)",
    )
    parser.add_argument(
        "--data", type=Path, help="replay this JSON-lines file instead of a named set"
    )
    parser.add_argument(
        "--per-turn", action="store_true", help="also show recall after each customer turn"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="list the misses with the cards shown"
    )
    parser.add_argument(
        "--entity-errors",
        action="store_true",
        help="list the details shown wrongly and the ones missed (not for held-out sets)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--min-recall3",
        type=float,
        metavar="X",
        help="exit 1 when last-turn R@3 over all conversations is below X (0 to 1)",
    )
    return parser.parse_args(argv)


def on_screen(pushes: Pushes) -> tuple[str, ...]:
    """The cards the widget shows after these pushes, as document ids, top first.

    A set with a ``reason`` field replaces what is shown (the widget's card-set policy); an
    older server's set went on top of the earlier cards.
    """
    shown: list[str] = []
    for name, payload in pushes.events:
        if name != "suggestions":
            continue
        items = [item["source"]["document_id"] for item in payload["items"]]
        merged = list(dict.fromkeys([*items, *shown]))[:MAX_CARDS]
        shown = items if "reason" in payload else merged
    return tuple(shown)


def step_card(pushes: Pushes) -> tuple[str | None, int | None]:
    """The step card on screen: its document and the highlighted step (None if none/done)."""
    latest = next((p for name, p in reversed(pushes.events) if name == "steps"), None)
    if latest is None or latest.get("document_id") is None:
        return None, None
    return latest["document_id"], latest.get("next")


def details(pushes: Pushes) -> tuple[Entity, ...]:
    """The entities in the widget's details panel (each push carries the full list)."""
    latest = next((p for name, p in reversed(pushes.events) if name == "entities"), None)
    items = latest["items"] if latest is not None else []
    return tuple(Entity(item["type"], item["value"]) for item in items)


async def replay(
    server: LiveServer, widget: LiveWidget, conversation: Conversation, run: str
) -> Outcome:
    """Post the conversation line by line and note what the widget shows after each."""
    tenant = tenant_for(conversation.kb)
    conversation_id = f"{run}-{conversation.id}"
    await widget.join(conversation_id)
    pushes = widget.pushes[conversation_id]
    shown, openings, steps = [], [], []
    expected = {checkpoint.after: checkpoint.next for checkpoint in conversation.steps}
    for index, turn in enumerate(conversation.turns):
        await server.say(tenant, conversation_id, index + 1, turn.speaker, turn.text)
        await widget.barrier()
        if turn.speaker == "customer":
            shown.append(on_screen(pushes))
        if index in conversation.openings:
            openings.append(on_screen(pushes))
        if index in expected:
            document_id, highlighted = step_card(pushes)
            want = expected[index] - 1 if expected[index] else None
            steps.append(StepSeen(want, document_id, highlighted))
    customer = [conversation.turns[i].text for i in conversation.customer_turns]
    first = next((n for n, text in enumerate(customer) if is_substantive(text)), len(customer) - 1)
    search = await server.search(tenant, "\n".join(customer), limit=3)
    return Outcome(
        conversation_id=conversation.id,
        gold=conversation.gold,
        shown=tuple(shown),
        first_substantive=first,
        search=tuple(search),
        openings=tuple(openings),
        steps=tuple(steps),
        entities_gold=conversation.entities,
        entities_shown=details(pushes),
        annotated=conversation.annotated,
    )


async def measure(conversations: Sequence[Conversation]) -> list[Outcome]:
    """One outcome per conversation, all replayed against one live server."""
    async with LiveServer(KNOWLEDGE_BASES) as server:
        widgets = {kb: await server.widget(tenant_for(kb)) for kb in KNOWLEDGE_BASES}
        try:
            return [
                await replay(server, widgets[conversation.kb], conversation, "q")
                for conversation in conversations
            ]
        finally:
            for widget in widgets.values():
                await widget.close()


def figures(title: str, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The summary as JSON-ready numbers."""
    summary = summarise(outcomes)
    return {
        "set": title,
        "conversations": summary.conversations,
        "last_turn_r1": summary.recall1,
        "last_turn_r3": summary.recall3,
        "last_turn_mrr3": summary.mrr,
        "shown_ever_r3": summary.shown_ever3,
        "search_r1": summary.search1,
        "search_r3": summary.search3,
        "openings_abstained": list(summary.openings),
        "step_accuracy": list(summary.steps),
        "entities": list(summary.entity_counts),
        "entities_by_type": {k: list(v) for k, v in counts_by_type(outcomes).items()},
    }


def groups(
    conversations: Sequence[Conversation], outcomes: Sequence[Outcome]
) -> dict[str, list[Outcome]]:
    """Outcomes by knowledge base, and all together."""
    grouped: dict[str, list[Outcome]] = {"all": list(outcomes)}
    for conversation, outcome in zip(conversations, outcomes, strict=True):
        grouped.setdefault(conversation.kb, []).append(outcome)
    return grouped


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures; 0 unless ``--min-recall3`` is not met."""
    args = parse_args(argv)
    name = str(args.data) if args.data else args.set
    conversations = load_conversations(args.data) if args.data else load_set(args.set)
    outcomes = asyncio.run(measure(conversations))
    report = []
    for group, members in groups(conversations, outcomes).items():
        title = f"{name} / {group}"
        print(render(summarise(members), title=title, show_per_turn=args.per_turn))
        print(render_by_type(members), end="\n\n")
        report.append(figures(title, members))
    if args.verbose:
        print(render_misses(outcomes))
    if args.entity_errors:
        print(render_errors(outcomes))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    recall3 = summarise(outcomes).recall3
    if args.min_recall3 is not None and recall3 < args.min_recall3:
        print(f"last-turn R@3 {recall3:.3f} is below {args.min_recall3:.3f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
