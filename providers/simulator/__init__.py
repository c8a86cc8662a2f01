"""Simulator: replays scripted conversations so cuecard can be demonstrated without a platform."""

from providers.simulator.adapter import SimulatorAdapter
from providers.simulator.client import Script, ScriptError, load_script
from providers.simulator.config import SimulatorSettings

__all__ = ["Script", "ScriptError", "SimulatorAdapter", "SimulatorSettings", "load_script"]
