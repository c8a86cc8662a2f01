"""8x8 Contact Center: Event Streaming (Pulsar) interaction events and handoff context."""

from providers.eight_by_eight.adapter import EightByEightAdapter
from providers.eight_by_eight.config import EightByEightSettings

__all__ = ["EightByEightAdapter", "EightByEightSettings"]
