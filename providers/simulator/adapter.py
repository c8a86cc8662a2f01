"""The simulator adapter: replays scripted conversations as a pull source of events."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import UTC, datetime
from typing import ClassVar

from providers.models import Event
from providers.simulator.client import Script, load_scripts
from providers.simulator.config import SimulatorSettings
from providers.simulator.const import PROVIDER, REPLAY_GAP_SECONDS
from providers.simulator.mapping import script_to_events

logger = logging.getLogger(__name__)


class SimulatorAdapter:
    """Replays script files with typing and speaking delays, optionally forever.

    Scripts are read when the adapter is built, so a bad file fails fast with
    :class:`providers.simulator.client.ScriptError`. Each replay is a new conversation,
    ``sim-<run_id>-<n>``, whose event ids are derived from it.

    Example::

        adapter = SimulatorAdapter(SimulatorSettings(tenant_id="demo", scripts=(path,)))
        async for event in adapter.listen():
            print(event.kind)
    """

    name: ClassVar[str] = PROVIDER

    def __init__(self, settings: SimulatorSettings) -> None:
        self._settings = settings
        self._scripts: tuple[Script, ...] = load_scripts(settings.scripts)
        self._closed = asyncio.Event()
        self._replays = 0

    async def listen(self) -> AsyncIterator[Event]:
        """Yield every script's events in turn; start over if looping; stop when closed."""
        run_id = self._settings.run_id
        logger.info("Simulator run %s started with %d scripts", run_id, len(self._scripts))
        try:
            rounds = itertools.count() if self._settings.loop else range(1)
            for _round in rounds:
                for script in self._scripts:
                    if not await self._wait(self._gap_before_replay()):
                        return
                    async for event in self._replay(script):
                        yield event
        finally:
            logger.info("Simulator run %s stopped after %d replays", run_id, self._replays)

    async def aclose(self) -> None:
        """Stop the replay; a pending ``listen`` returns at its next wait."""
        self._closed.set()

    async def _replay(self, script: Script) -> AsyncIterator[Event]:
        self._replays += 1
        conversation_id = f"sim-{self._settings.run_id}-{self._replays}"
        logger.debug("Replaying a script as conversation %s", conversation_id)
        timeline = script_to_events(script, self._settings, conversation_id, datetime.now(UTC))
        for delay, event in timeline:
            if not await self._wait(delay / self._settings.speed):
                return
            logger.debug("Simulated %s %s", event.kind, event.provider_event_id)
            yield event

    def _gap_before_replay(self) -> float:
        """Wall seconds between one replayed conversation's end and the next one's start."""
        return REPLAY_GAP_SECONDS / self._settings.speed if self._replays else 0.0

    async def _wait(self, seconds: float) -> bool:
        """Sleep for ``seconds``; False if the adapter was closed before or meanwhile."""
        if seconds > 0 and not self._closed.is_set():
            # Waiting on the close event rather than sleeping lets aclose() interrupt a long gap.
            with suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout=seconds)
        return not self._closed.is_set()
