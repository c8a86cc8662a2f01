"""The agent widget: its built front end and the aiohttp sub-app that serves it."""

from .app import create_widget_app
from .csp import FrameAncestors

__all__ = ["FrameAncestors", "create_widget_app"]
