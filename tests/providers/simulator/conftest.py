"""Shared fixtures for the simulator tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def chat_script() -> Path:
    """A chat script with every speaker and a hold/resume."""
    return FIXTURES / "chat.json"


@pytest.fixture
def voice_script() -> Path:
    """A short voice script."""
    return FIXTURES / "voice.json"
