"""Smoke test of the per-turn CPU benchmark: the real pipeline answers every turn it replays."""

from __future__ import annotations

import re

import pytest
import turn_cpu


def test_replays_turns_through_the_pipeline(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--kb-passages", "0", "--events", "12", "--conversations", "4", "--stages"]

    assert turn_cpu.main(args) == 0

    output = capsys.readouterr().out
    assert "turns               12 over 4 conversations" in output
    stages = dict(re.findall(r"^  (\S.*?)\s{2,}(\d+\.\d+) ms$", output, re.MULTILINE))
    assert set(stages) == {label for label, _, _ in turn_cpu.STAGES}
    # Every customer line has a card set here (the demo KB answers them), so none is idle.
    assert float(stages["knowledge engine (suggest)"]) > 0
    assert float(stages["card set (journal, emit)"]) > 0
