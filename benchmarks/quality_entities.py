"""Entity figures of the quality benchmark: precision and recall per type, and the errors."""

from __future__ import annotations

from collections.abc import Sequence

from quality_data import ENTITY_TYPES, Entity
from quality_score import Outcome, matches, normal


def counts_by_type(outcomes: Sequence[Outcome]) -> dict[str, tuple[int, int, int]]:
    """(correct, shown, annotated) for each entity type, over annotated conversations.

    A match needs the same type, so the per-type counts add up to ``entity_counts``.
    """
    table = {}
    for kind in ENTITY_TYPES:
        correct = shown = gold = 0
        for outcome in (o for o in outcomes if o.annotated):
            want = [e for e in outcome.entities_gold if e.type == kind]
            got = [e for e in outcome.entities_shown if e.type == kind]
            correct += matches(want, got)
            shown += len(got)
            gold += len(want)
        table[kind] = (correct, shown, gold)
    return table


def render_by_type(outcomes: Sequence[Outcome]) -> str:
    """Precision and recall of each entity type as a plain-text table."""
    lines = ["  entity type      precision          recall"]
    for kind, (correct, shown, gold) in counts_by_type(outcomes).items():
        precision = f"{correct / shown:.3f} ({correct}/{shown})" if shown else "n/a"
        recall = f"{correct / gold:.3f} ({correct}/{gold})" if gold else "n/a"
        lines.append(f"  {kind:<12}{precision:>16}{recall:>16}")
    return "\n".join(lines)


def errors(outcome: Outcome) -> tuple[list[Entity], list[Entity]]:
    """The shown details no annotation matches, and the annotated details never shown."""
    wrong = [e for e in outcome.entities_shown if not matches(outcome.entities_gold, [e])]
    missed = [e for e in outcome.entities_gold if not _found(e, outcome.entities_shown)]
    return wrong, missed


def render_errors(outcomes: Sequence[Outcome]) -> str:
    """One line per conversation with a wrong or a missed detail."""
    lines = ["", "entity errors (wrong: shown but not annotated; missed: annotated, not shown):"]
    for outcome in (o for o in outcomes if o.annotated):
        wrong, missed = errors(outcome)
        if wrong or missed:
            where = outcome.conversation_id
            lines.append(f"  {where}: wrong {_list(wrong)}; missed {_list(missed)}")
    return "\n".join(lines)


def _found(annotated: Entity, shown: Sequence[Entity]) -> bool:
    value = normal(annotated.value)
    return any(
        e.type == annotated.type and (normal(e.value) in value or value in normal(e.value))
        for e in shown
        if normal(e.value)
    )


def _list(entities: Sequence[Entity]) -> str:
    return ", ".join(f"{e.type}={e.value!r}" for e in entities) or "-"
