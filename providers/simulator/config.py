"""Settings of the simulator adapter."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from providers.base import ProviderSettings
from providers.models import Identifier
from providers.simulator.const import MAX_SPEED


def new_run_id() -> str:
    """A short random id that keeps event ids unique across separate runs."""
    return secrets.token_hex(4)


def _web_origin(value: str) -> str:
    """``scheme://host[:port]`` of an http(s) page, lower-cased, without a path."""
    parts = urlsplit(value.strip().rstrip("/"))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http(s) origin such as https://desk.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin only: scheme, host and port, no path")
    return f"{parts.scheme}://{parts.netloc.lower()}"


WebOrigin = Annotated[str, AfterValidator(_web_origin)]


class SimulatorSettings(ProviderSettings):
    """Which scripts to replay, as whom, how fast, and whether to start over at the end.

    In bridge mode the simulated desktop page plays the scripts instead, framing the widget;
    ``desktop_origins`` are the pages allowed to frame it and hand it conversation messages.
    """

    scripts: tuple[Path, ...] = Field(min_length=1, description="Script files to replay.")
    agent_id: Identifier = Field(default="demo-agent", description="The agent who answers.")
    speed: float = Field(default=1.0, gt=0, le=MAX_SPEED, description="10 = ten times faster.")
    loop: bool = Field(default=False, description="Start over after the last script.")
    run_id: str = Field(
        default_factory=new_run_id,
        pattern=r"^[A-Za-z0-9_-]{1,40}$",
        description="Part of every conversation id, so separate runs never collide.",
    )
    desktop_origins: tuple[WebOrigin, ...] = Field(
        default=(), description="Origins of the simulated desktop pages that frame the widget."
    )
