"""Settings of the simulator adapter."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field

from providers.base import ProviderSettings
from providers.models import Identifier
from providers.simulator.const import MAX_SPEED


def new_run_id() -> str:
    """A short random id that keeps event ids unique across separate runs."""
    return secrets.token_hex(4)


class SimulatorSettings(ProviderSettings):
    """Which scripts to replay, as whom, how fast, and whether to start over at the end."""

    scripts: tuple[Path, ...] = Field(min_length=1, description="Script files to replay.")
    agent_id: Identifier = Field(default="demo-agent", description="The agent who answers.")
    speed: float = Field(default=1.0, gt=0, le=MAX_SPEED, description="10 = ten times faster.")
    loop: bool = Field(default=False, description="Start over after the last script.")
    run_id: str = Field(
        default_factory=new_run_id,
        pattern=r"^[A-Za-z0-9_-]{1,40}$",
        description="Part of every conversation id, so separate runs never collide.",
    )
