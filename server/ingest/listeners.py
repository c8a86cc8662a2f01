"""Runs pull adapters (sockets, streams, the simulator) into the pipeline."""

from __future__ import annotations

import asyncio
import logging

from providers.base import PullAdapter
from server.ingest.pipeline import Pipeline

log = logging.getLogger(__name__)


async def run_listener(adapter: PullAdapter, pipeline: Pipeline) -> None:
    """Feed every event the adapter yields through the pipeline until cancelled."""
    log.info("listening to %s", adapter.name)
    try:
        async for event in adapter.listen():
            try:
                await pipeline.process(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                # One bad event must not stop the stream; the next one may be fine.
                log.exception("%s event %s failed", adapter.name, event.provider_event_id)
    finally:
        await adapter.aclose()
        log.info("stopped listening to %s", adapter.name)
