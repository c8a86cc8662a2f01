"""Smoke test of the bare-relay benchmark: every posted event reaches its widget, and is costed."""

from __future__ import annotations

import re

import pytest
import stack_floor


def test_every_event_reaches_the_widget_of_its_conversation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert stack_floor.main(["--widgets", "20", "--rate", "100", "--duration", "1"]) == 0

    output = capsys.readouterr().out
    assert "delivered                 100 / 100" in output
    cpu = re.search(r"server CPU per event\s+(\d+\.\d+) ms", output)
    assert cpu is not None
    assert float(cpu[1]) > 0
