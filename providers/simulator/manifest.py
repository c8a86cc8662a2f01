"""The simulator's declaration: a replayed event source, and a simulated agent desktop."""

from __future__ import annotations

from providers.base import Capability, Manifest
from providers.simulator.adapter import SimulatorAdapter
from providers.simulator.bridge import SimulatorBridge
from providers.simulator.config import SimulatorSettings
from providers.simulator.const import PROVIDER
from providers.simulator.embed import SimulatorEmbedding

MANIFEST = Manifest(
    name=PROVIDER,
    display_name="Simulator",
    settings=SimulatorSettings,
    capabilities=frozenset(
        {
            Capability.EVENTS_PULL,
            Capability.DESKTOP_BRIDGE,
            Capability.DESKTOP_ACTIONS,
            Capability.EMBEDDING,
        }
    ),
    adapter=SimulatorAdapter,
    bridge=SimulatorBridge(),
    embedding=SimulatorEmbedding(),
    # Its settings name files on the server, so admins cannot store it; cuecard demo runs it.
    storable=False,
    docs="docs/platforms.md",
)
