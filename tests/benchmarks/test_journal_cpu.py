"""Smoke test of the journal CPU benchmark: it writes every turn and reports each thread."""

from __future__ import annotations

import re

import journal_cpu
import pytest


def test_reports_the_writer_and_the_loop_per_turn(capsys: pytest.CaptureFixture[str]) -> None:
    assert journal_cpu.main(["--turns", "40", "--warm-up", "5", "--conversations", "4"]) == 0

    output = capsys.readouterr().out
    assert "turns               40 (two writes each)" in output
    assert "entries stored      90 " in output  # (5 + 40) turns, a line and a set each
    per_write = re.search(
        r"writer thread\s+(\d+\.\d+) ms per turn, (\d+\.\d+) ms per write", output
    )
    assert per_write is not None
    assert float(per_write[1]) > 0
    threads = re.findall(r"^  (\S+)\s+\d+\.\d+ ms per turn: user", output, re.MULTILINE)
    assert threads == list(journal_cpu.THREADS)
