"""Scores of the quality benchmark and the table it prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Rows of the summary table, in order; the smoke test checks these names.
ROWS = (
    "conversations",
    "recall@1",
    "recall@3",
    "MRR@3",
    "first-turn recall@3",
    "turns to top 3 (mean)",
    "never in top 3",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine suggested for one conversation, after each customer turn."""

    conversation_id: str
    gold: str
    rankings: tuple[tuple[str, ...], ...]
    first_substantive: int

    @property
    def final(self) -> tuple[str, ...]:
        """The ranking after the last customer turn."""
        return self.rankings[-1]

    def rank(self, turn: int = -1) -> int | None:
        """The 1-based rank of the gold article after a customer turn, or None."""
        ranking = self.rankings[turn]
        return ranking.index(self.gold) + 1 if self.gold in ranking else None

    def turns_to_top3(self) -> int | None:
        """How many customer turns it took until the gold article was first suggested."""
        for number, ranking in enumerate(self.rankings, start=1):
            if self.gold in ranking[:3]:
                return number
        return None


@dataclass
class Summary:
    """The benchmark's figures over a set of outcomes."""

    conversations: int = 0
    recall1: float = 0.0
    recall3: float = 0.0
    mrr: float = 0.0
    first_turn_recall3: float = 0.0
    mean_turns_to_top3: float | None = None
    never_in_top3: int = 0
    per_turn: list[tuple[int, int, float, float]] = field(default_factory=list)


def summarise(outcomes: Sequence[Outcome]) -> Summary:
    """Recall@1, recall@3 and MRR at the last turn, plus first-turn and time-to-hit figures."""
    total = len(outcomes)
    if not total:
        return Summary()
    ranks = [outcome.rank() for outcome in outcomes]
    hits = [t for t in (outcome.turns_to_top3() for outcome in outcomes) if t is not None]
    first = [outcome.rank(outcome.first_substantive) for outcome in outcomes]
    return Summary(
        conversations=total,
        recall1=sum(rank == 1 for rank in ranks) / total,
        recall3=sum(rank is not None and rank <= 3 for rank in ranks) / total,
        mrr=sum(1 / rank for rank in ranks if rank) / total,
        first_turn_recall3=sum(rank is not None and rank <= 3 for rank in first) / total,
        mean_turns_to_top3=sum(hits) / len(hits) if hits else None,
        never_in_top3=total - len(hits),
        per_turn=per_turn(outcomes),
    )


def per_turn(outcomes: Sequence[Outcome]) -> list[tuple[int, int, float, float]]:
    """(customer turn, conversations that reach it, recall@1, recall@3) after each turn."""
    longest = max((len(outcome.rankings) for outcome in outcomes), default=0)
    rows = []
    for turn in range(longest):
        ranks = [outcome.rank(turn) for outcome in outcomes if turn < len(outcome.rankings)]
        at1 = sum(rank == 1 for rank in ranks) / len(ranks)
        at3 = sum(rank is not None and rank <= 3 for rank in ranks) / len(ranks)
        rows.append((turn + 1, len(ranks), at1, at3))
    return rows


def render(summary: Summary, *, engine: str, show_per_turn: bool) -> str:
    """The summary as a plain-text table (and the per-turn breakdown when asked)."""
    turns = summary.mean_turns_to_top3
    values = (
        str(summary.conversations),
        f"{summary.recall1:.3f}",
        f"{summary.recall3:.3f}",
        f"{summary.mrr:.3f}",
        f"{summary.first_turn_recall3:.3f}",
        f"{turns:.2f}" if turns is not None else "n/a",
        str(summary.never_in_top3),
    )
    lines = [f"engine: {engine}", *(f"{n:<24}{v:>8}" for n, v in zip(ROWS, values, strict=True))]
    if show_per_turn:
        lines += ["", "customer turn  conversations  recall@1  recall@3"]
        lines += [f"{t:>13}  {n:>13}  {r1:>8.3f}  {r3:>8.3f}" for t, n, r1, r3 in summary.per_turn]
    return "\n".join(lines)


def render_misses(outcomes: Sequence[Outcome]) -> str:
    """One line per conversation whose gold article is not first after its last turn."""
    lines = ["", "misses (gold not ranked first after the last customer turn):"]
    for outcome in outcomes:
        rank = outcome.rank()
        if rank != 1:
            where = f"rank {rank}" if rank else "not in top 3"
            top = ", ".join(outcome.final) or "(nothing)"
            lines.append(f"  {outcome.conversation_id}: gold {outcome.gold} ({where}); top: {top}")
    return "\n".join(lines)
