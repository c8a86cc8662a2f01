"""Smoke test of the quality benchmark on a slice of the evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest
import quality
from quality_data import EVAL_SET, is_substantive, load_conversations
from quality_score import ROWS, Outcome, summarise

SLICE = 5


@pytest.fixture
def small_set(tmp_path: Path) -> Path:
    """The first few conversations of the evaluation set, as their own file."""
    lines = [line for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = tmp_path / "slice.jsonl"
    path.write_text("\n".join(lines[:SLICE]) + "\n", encoding="utf-8")
    return path


def figures(output: str) -> dict[str, str]:
    """The summary table's rows, name to value."""
    table = {}
    for line in output.splitlines():
        for name in ROWS:
            if line.startswith(name) and line[len(name) :].startswith(" "):
                table[name] = line[len(name) :].strip()
    return table


def test_runs_on_a_slice(small_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main(["--data", str(small_set), "--per-turn", "--verbose"]) == 0
    output = capsys.readouterr().out
    table = figures(output)
    assert list(table) == list(ROWS)
    assert table["conversations"] == str(SLICE)
    for name in ("recall@1", "recall@3", "MRR@3", "first-turn recall@3"):
        assert 0.0 <= float(table[name]) <= 1.0, name
    assert float(table["recall@1"]) <= float(table["MRR@3"]) <= float(table["recall@3"])
    assert "customer turn" in output
    assert "misses" in output


def test_min_recall3_gate(small_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main(["--data", str(small_set), "--min-recall3", "1.01"]) == 1
    assert quality.main(["--data", str(small_set), "--min-recall3", "0"]) == 0
    capsys.readouterr()


def test_scores_follow_the_gold_rank() -> None:
    outcomes = [
        Outcome("a", "x", (("y", "z", "w"), ("x", "y", "z")), 0),
        Outcome("b", "x", (("y", "x", "z"), ("y", "z", "x")), 0),
        Outcome("c", "x", (("y",), ("z",)), 0),
    ]
    summary = summarise(outcomes)
    assert summary.recall1 == pytest.approx(1 / 3)
    assert summary.recall3 == pytest.approx(2 / 3)
    assert summary.mrr == pytest.approx((1 + 1 / 3) / 3)
    assert summary.first_turn_recall3 == pytest.approx(1 / 3)
    assert summary.mean_turns_to_top3 == pytest.approx(1.5)
    assert summary.never_in_top3 == 1


def test_greetings_are_not_substantive() -> None:
    assert not is_substantive("hi there, is anyone there?")
    assert not is_substantive("Good morning")
    assert is_substantive("my phone got nicked")


def test_eval_set_loads() -> None:
    conversations = load_conversations()
    assert all(conversation.customer_turns for conversation in conversations)
