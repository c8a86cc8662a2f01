"""The simulator's declaration: a pull source replaying scripted conversations for demos."""

from __future__ import annotations

from providers.base import Capability, Manifest
from providers.simulator.adapter import SimulatorAdapter
from providers.simulator.config import SimulatorSettings
from providers.simulator.const import PROVIDER

MANIFEST = Manifest(
    name=PROVIDER,
    display_name="Simulator",
    settings=SimulatorSettings,
    capabilities=frozenset({Capability.EVENTS_PULL}),
    adapter=SimulatorAdapter,
    # It reads script files on the server, so admins never store integrations of it.
    storable=False,
    docs="README.md",
)
