"""Simulator: replays scripted conversations so cuecard can be demonstrated without a platform.

It is also a simulated agent desktop: the demo's desktop page plays the same scripts to the
widget as host messages (:class:`HostMessage`), in the order a :class:`DesktopPlaylist` gives.
"""

from providers.simulator._desktop import DesktopPlaylist
from providers.simulator._host import HostMessage
from providers.simulator.adapter import SimulatorAdapter
from providers.simulator.client import Script, ScriptError, load_script
from providers.simulator.config import SimulatorSettings

__all__ = [
    "DesktopPlaylist",
    "HostMessage",
    "Script",
    "ScriptError",
    "SimulatorAdapter",
    "SimulatorSettings",
    "load_script",
]
