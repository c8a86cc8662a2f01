"""Scores of the quality benchmark and the table it prints."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from quality_data import Entity

# Rows of the summary table, in order; the smoke test checks these names.
ROWS = (
    "conversations",
    "last-turn R@1",
    "last-turn R@3",
    "last-turn MRR@3",
    "shown-ever R@3",
    "search R@1",
    "search R@3",
    "first-turn R@3",
    "openings abstained",
    "step accuracy",
    "entity precision",
    "entity recall",
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class StepSeen:
    """At one checkpoint: the step card's document and the step it highlighted (0-based), or
    None for no card / every step done."""

    expected: int | None
    document_id: str | None
    next: int | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the widget showed for one conversation."""

    conversation_id: str
    gold: str
    # The cards on screen (document ids, top first) after each customer turn.
    shown: tuple[tuple[str, ...], ...]
    first_substantive: int
    search: tuple[str, ...] = ()
    # Cards on screen after each customer turn that opens without a request.
    openings: tuple[tuple[str, ...], ...] = ()
    steps: tuple[StepSeen, ...] = ()
    entities_gold: tuple[Entity, ...] = ()
    entities_shown: tuple[Entity, ...] = ()
    # Conversations whose details were not annotated are left out of entity figures.
    annotated: bool = True

    @property
    def final(self) -> tuple[str, ...]:
        """The cards after the last customer turn."""
        return self.shown[-1]

    def rank(self, turn: int = -1) -> int | None:
        """The 1-based position of the gold card among the top 3 after a customer turn."""
        top = self.shown[turn][:3]
        return top.index(self.gold) + 1 if self.gold in top else None

    def ever_shown(self) -> bool:
        """Whether the gold card was among the top 3 on screen after any customer turn."""
        return any(self.gold in cards[:3] for cards in self.shown)

    def search_rank(self) -> int | None:
        """The gold article's rank in the whole-conversation search, top 3 only."""
        top = self.search[:3]
        return top.index(self.gold) + 1 if self.gold in top else None


@dataclass
class Summary:
    """The benchmark's figures over a set of outcomes."""

    conversations: int = 0
    recall1: float = 0.0
    recall3: float = 0.0
    mrr: float = 0.0
    shown_ever3: float = 0.0
    search1: float = 0.0
    search3: float = 0.0
    first_turn_recall3: float = 0.0
    openings: tuple[int, int] = (0, 0)
    steps: tuple[int, int] = (0, 0)
    entity_counts: tuple[int, int, int] = (0, 0, 0)
    per_turn: list[tuple[int, int, float, float]] = field(default_factory=list)

    @property
    def entity_precision(self) -> float | None:
        """Correct shown entities over all shown ones."""
        correct, shown, _ = self.entity_counts
        return correct / shown if shown else None

    @property
    def entity_recall(self) -> float | None:
        """Annotated entities that were shown, over all annotated ones."""
        correct, _, gold = self.entity_counts
        return correct / gold if gold else None


def summarise(outcomes: Sequence[Outcome]) -> Summary:
    """Last-turn, shown-ever and search recall, abstention, steps and entities."""
    total = len(outcomes)
    if not total:
        return Summary()
    ranks = [outcome.rank() for outcome in outcomes]
    search = [outcome.search_rank() for outcome in outcomes]
    first = [outcome.rank(outcome.first_substantive) for outcome in outcomes]
    openings = [cards for outcome in outcomes for cards in outcome.openings]
    steps = [seen for outcome in outcomes for seen in outcome.steps]
    return Summary(
        conversations=total,
        recall1=sum(rank == 1 for rank in ranks) / total,
        recall3=sum(rank is not None for rank in ranks) / total,
        mrr=sum(1 / rank for rank in ranks if rank) / total,
        shown_ever3=sum(outcome.ever_shown() for outcome in outcomes) / total,
        search1=sum(rank == 1 for rank in search) / total,
        search3=sum(rank is not None for rank in search) / total,
        first_turn_recall3=sum(rank is not None for rank in first) / total,
        openings=(sum(not cards for cards in openings), len(openings)),
        steps=(
            sum(step_correct(outcome.gold, seen) for outcome in outcomes for seen in outcome.steps),
            len(steps),
        ),
        entity_counts=entity_counts(outcomes),
        per_turn=per_turn(outcomes),
    )


def step_correct(gold: str, seen: StepSeen) -> bool:
    """The gold article's step card highlights the expected step (or shows all done)."""
    return seen.document_id == gold and seen.next == seen.expected


def entity_counts(outcomes: Sequence[Outcome]) -> tuple[int, int, int]:
    """(correct, shown, annotated) over all conversations; see ``matches``."""
    correct = shown = gold = 0
    for outcome in outcomes:
        if not outcome.annotated:
            continue
        correct += matches(outcome.entities_gold, outcome.entities_shown)
        shown += len(outcome.entities_shown)
        gold += len(outcome.entities_gold)
    return correct, shown, gold


def matches(gold: Sequence[Entity], shown: Sequence[Entity]) -> int:
    """Shown entities that match an annotated one, each annotation used once.

    A match has the same type, and one value contains the other once both are lower-cased
    and stripped to letters and digits ("CC-48211" = "cc48211"; "iphone" within "iphone 12").
    """
    left = [(e.type, normal(e.value)) for e in gold]
    found = 0
    for entity in shown:
        value = normal(entity.value)
        for i, (kind, annotated) in enumerate(left):
            if kind == entity.type and value and (value in annotated or annotated in value):
                del left[i]
                found += 1
                break
    return found


def normal(value: str) -> str:
    """A value lower-cased, with everything but letters and digits removed."""
    return _NOT_ALNUM.sub("", value.lower())


def per_turn(outcomes: Sequence[Outcome]) -> list[tuple[int, int, float, float]]:
    """(customer turn, conversations that reach it, R@1, R@3) after each turn."""
    longest = max((len(outcome.shown) for outcome in outcomes), default=0)
    rows = []
    for turn in range(longest):
        ranks = [outcome.rank(turn) for outcome in outcomes if turn < len(outcome.shown)]
        at1 = sum(rank == 1 for rank in ranks) / len(ranks)
        at3 = sum(rank is not None for rank in ranks) / len(ranks)
        rows.append((turn + 1, len(ranks), at1, at3))
    return rows


def _ratio(counts: tuple[int, int]) -> str:
    good, total = counts
    return f"{good / total:.3f} ({good}/{total})" if total else "n/a"


def _fraction(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "n/a"


def render(summary: Summary, *, title: str, show_per_turn: bool) -> str:
    """The summary as a plain-text table (and the per-turn breakdown when asked)."""
    correct, shown, gold = summary.entity_counts
    values = (
        str(summary.conversations),
        f"{summary.recall1:.3f}",
        f"{summary.recall3:.3f}",
        f"{summary.mrr:.3f}",
        f"{summary.shown_ever3:.3f}",
        f"{summary.search1:.3f}",
        f"{summary.search3:.3f}",
        f"{summary.first_turn_recall3:.3f}",
        _ratio(summary.openings),
        _ratio(summary.steps),
        f"{_fraction(summary.entity_precision)} ({correct}/{shown})",
        f"{_fraction(summary.entity_recall)} ({correct}/{gold})",
    )
    lines = [title, *(f"  {n:<22}{v:>20}" for n, v in zip(ROWS, values, strict=True))]
    if show_per_turn:
        lines += ["", "  customer turn  conversations      R@1      R@3"]
        lines += [f"  {t:>13}  {n:>13}  {a:>7.3f}  {b:>7.3f}" for t, n, a, b in summary.per_turn]
    return "\n".join(lines)


def render_misses(outcomes: Sequence[Outcome]) -> str:
    """One line per conversation whose gold card is not first after its last turn."""
    lines = ["", "misses (gold not first after the last customer turn):"]
    for outcome in outcomes:
        rank = outcome.rank()
        if rank != 1:
            where = f"rank {rank}" if rank else "not in top 3"
            top = ", ".join(outcome.final[:3]) or "(nothing)"
            search = ", ".join(outcome.search[:3]) or "(nothing)"
            lines.append(
                f"  {outcome.conversation_id}: gold {outcome.gold} ({where}); shown: {top}; "
                f"search: {search}"
            )
    return "\n".join(lines)
