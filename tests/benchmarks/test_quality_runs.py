"""Smoke test of the quality benchmark on a slice of the evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest
import quality
from quality_data import EVAL_SET, Entity, is_substantive, load_conversations
from quality_entities import counts_by_type, errors, render_errors
from quality_score import ROWS, Outcome, StepSeen, summarise

SLICE = 5


@pytest.fixture
def small_set(tmp_path: Path) -> Path:
    """The first few conversations of the evaluation set, as their own file."""
    lines = [line for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = tmp_path / "slice.jsonl"
    path.write_text("\n".join(lines[:SLICE]) + "\n", encoding="utf-8")
    return path


def figures(output: str) -> dict[str, str]:
    """The first summary table's rows, name to value (the first number of each)."""
    table: dict[str, str] = {}
    for line in output.splitlines():
        for name in ROWS:
            rest = line.strip()
            if rest.startswith(name) and rest[len(name) :].startswith(" ") and name not in table:
                table[name] = rest[len(name) :].split()[0]
    return table


def test_runs_on_a_slice(small_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main(["--data", str(small_set), "--per-turn", "--verbose"]) == 0
    output = capsys.readouterr().out
    table = figures(output)
    assert list(table) == list(ROWS)
    assert table["conversations"] == str(SLICE)
    for name in ("last-turn R@1", "last-turn R@3", "last-turn MRR@3", "search R@1"):
        assert 0.0 <= float(table[name]) <= 1.0, name
    assert (
        float(table["last-turn R@1"])
        <= float(table["last-turn MRR@3"])
        <= float(table["last-turn R@3"])
        <= float(table["shown-ever R@3"])
    )
    assert "customer turn" in output
    assert "misses" in output


def test_min_recall3_gate(small_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main(["--data", str(small_set), "--min-recall3", "1.01"]) == 1
    assert quality.main(["--data", str(small_set), "--min-recall3", "0"]) == 0
    capsys.readouterr()


def test_scores_follow_the_gold_rank() -> None:
    outcomes = [
        Outcome("a", "x", (("y", "z", "w"), ("x", "y", "z")), 0, search=("x",)),
        Outcome("b", "x", (("y", "x", "z"), ("y", "z", "x")), 0, search=("y", "x")),
        Outcome("c", "x", (("x",), ("z",)), 0, openings=((),)),
    ]
    summary = summarise(outcomes)
    assert summary.recall1 == pytest.approx(1 / 3)
    assert summary.recall3 == pytest.approx(2 / 3)
    assert summary.mrr == pytest.approx((1 + 1 / 3) / 3)
    assert summary.shown_ever3 == pytest.approx(1.0)
    assert summary.search1 == pytest.approx(1 / 3)
    assert summary.search3 == pytest.approx(2 / 3)
    assert summary.first_turn_recall3 == pytest.approx(2 / 3)
    assert summary.openings == (1, 1)


def test_steps_and_entities_are_scored() -> None:
    gold = (Entity("order_id", "CC-48211"), Entity("product", "iphone 12"))
    shown = (Entity("order_id", "cc48211"), Entity("product", "iPhone"), Entity("email", "a@b.c"))
    outcome = Outcome(
        "a",
        "doc",
        (("doc",),),
        0,
        steps=(StepSeen(1, "doc", 1), StepSeen(None, "doc", 2), StepSeen(0, "other", 0)),
        entities_gold=gold,
        entities_shown=shown,
    )
    summary = summarise([outcome])
    assert summary.steps == (1, 3)
    assert summary.entity_counts == (2, 3, 2)
    assert summary.entity_precision == pytest.approx(2 / 3)
    assert summary.entity_recall == pytest.approx(1.0)


def test_entities_are_scored_per_type_and_errors_are_listed() -> None:
    gold = (Entity("order_id", "CC-48211"), Entity("amount", "£12"), Entity("date", "3 May"))
    shown = (Entity("order_id", "cc48211"), Entity("amount", "£12"), Entity("order_id", "221"))
    outcome = Outcome("a", "doc", (("doc",),), 0, entities_gold=gold, entities_shown=shown)

    table = counts_by_type([outcome])
    assert table["order_id"] == (1, 2, 1)
    assert table["amount"] == (1, 1, 1)
    assert table["date"] == (0, 0, 1)
    assert errors(outcome) == ([Entity("order_id", "221")], [Entity("date", "3 May")])
    assert "wrong order_id='221'; missed date='3 May'" in render_errors([outcome])


def test_greetings_are_not_substantive() -> None:
    assert not is_substantive("hi there, is anyone there?")
    assert not is_substantive("Good morning")
    assert is_substantive("my phone got nicked")


def test_eval_set_loads() -> None:
    conversations = load_conversations()
    assert all(conversation.customer_turns for conversation in conversations)
