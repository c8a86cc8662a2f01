"""The simulated desktop's playlist: the scripts, one after another, as host messages.

``cuecard demo`` serves a desktop page that frames the widget; the page fetches each next
conversation from :meth:`DesktopPlaylist.next` and posts its messages to the widget after
their delays (already divided by the speed). Example of one conversation::

    {"conversation_id": "desk-3f2a9c1e-1", "title": "Wi-Fi cutting out every half hour",
     "messages": [{"delay_ms": 0, "message": {"type": "conversation.started", ...}}, ...]}
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from providers.simulator.client import Script, load_scripts
from providers.simulator.config import SimulatorSettings
from providers.simulator.mapping import script_to_host_messages


class DesktopPlaylist:
    """Each call to :meth:`next` plays the next script as a new conversation: round robin
    when the settings loop, else each script once."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self._settings = settings
        self._scripts: tuple[Script, ...] = load_scripts(settings.scripts)
        self._played = itertools.count(1)

    def next(self) -> dict[str, Any] | None:
        """The next conversation, in the wire shape the desktop page plays; None when done."""
        number = next(self._played)
        if not self._settings.loop and number > len(self._scripts):
            return None
        script = self._scripts[(number - 1) % len(self._scripts)]
        conversation_id = f"desk-{self._settings.run_id}-{number}"
        speed = self._settings.speed
        timeline = script_to_host_messages(script, conversation_id, datetime.now(UTC), speed)
        messages = [
            {"delay_ms": round(delay * 1000 / speed), "message": message.model_dump(mode="json")}
            for delay, message in timeline
        ]
        return {"conversation_id": conversation_id, "title": script.title, "messages": messages}
