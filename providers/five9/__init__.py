"""Five9: agent desktop events through the CRM SDK in the widget, and handoff variables."""

from providers.five9.bridge import Five9Bridge
from providers.five9.config import Five9Settings

__all__ = ["Five9Bridge", "Five9Settings"]
