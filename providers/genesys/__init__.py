"""Genesys Cloud: Notification API events, web-messaging text and agent login settings."""

from providers.genesys.adapter import GenesysAdapter
from providers.genesys.config import GenesysSettings

__all__ = ["GenesysAdapter", "GenesysSettings"]
