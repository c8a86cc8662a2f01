"""The agent widget: its built front end and the aiohttp sub-app that serves it."""

from .app import SOURCES_KEY, WidgetSources, create_widget_app
from .csp import FrameAncestors

__all__ = ["SOURCES_KEY", "FrameAncestors", "WidgetSources", "create_widget_app"]
