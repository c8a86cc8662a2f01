"""Runs every enabled integration's adapter, and knows how each is doing.

One task per integration of a platform with a server-side event source: build the adapter
from the stored settings (with the mapped queues when the platform declares queue watching,
and its stored stream positions when it reads a log by position). Platforms whose events come
from the agents' desktops only have nothing to run here. A pull adapter's events are fed to
the pipeline; a push adapter is held ready for the webhook route. On failure the task reacts
as the error class says — reconnect with capped back-off (not ready), or stop and show the
admin (auth failed, config error). A change to an integration restarts its task; a delete or
disable stops it.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Protocol

from providers.base import (
    AcknowledgedSource,
    Adapter,
    Capability,
    ConnectionState,
    ConnectionStatus,
    Delivery,
    LoadReporting,
    Manifest,
    PullAdapter,
    PushAdapter,
    QueueWatching,
    StatusReporting,
    UserWatching,
)
from providers.errors import ProviderAuthFailed, ProviderConfigError
from providers.registry import build_adapter
from server.errors import CuecardError, PayloadRejected
from server.integrations.listeners import EventSink, deliver, deliver_acknowledged
from server.integrations.models import IntegrationStatus
from server.integrations.positions import StoredPositions
from server.integrations.service import IntegrationService
from server.store.database import Store
from server.store.models import Integration

log = logging.getLogger(__name__)

StatusSink = Callable[[str, IntegrationStatus], Awaitable[None]]


class RejectionRecorder(Protocol):
    """Where messages that can never be mapped are recorded (the event inspector)."""

    def rejected(self, tenant_id: str, item: Any, error: CuecardError) -> None: ...


_STOPPING_STATES = {ConnectionState.AUTH_FAILED, ConnectionState.CONFIG_ERROR}


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential back-off with full jitter between reconnection attempts."""

    first: float = 1.0
    cap: float = 60.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.first * 2**attempt))  # noqa: S311


@dataclass
class _Runner:
    row: Integration
    status: ConnectionStatus
    task: asyncio.Task[None] | None = None
    adapter: Adapter | None = None
    attempts: int = field(default=0)


class Supervisor:
    """Starts, restarts and stops the adapters of stored integrations."""

    def __init__(
        self,
        *,
        store: Store,
        integrations: IntegrationService,
        platforms: Mapping[str, Manifest],
        sink: EventSink,
        on_status: StatusSink,
        rejections: RejectionRecorder | None = None,
        backoff: Backoff = Backoff(),
    ) -> None:
        self._store = store
        self._integrations = integrations
        self._platforms = platforms
        self._sink = sink
        self._on_status = on_status
        self._rejections = rejections
        self._backoff = backoff
        self._runners: dict[tuple[str, str], _Runner] = {}
        self._closed = False

    async def start(self) -> None:
        """Run every enabled integration of every tenant."""
        for row in await self._store.integrations.enabled():
            await self._launch(row)

    async def reload(self, tenant_id: str, integration_id: str) -> None:
        """The integration changed (or went): restart it from the stored settings, or stop it."""
        await self._stop((tenant_id, integration_id))
        row = await self._store.integrations.get(tenant_id, integration_id)
        if row is not None and row.enabled:
            await self._launch(row)

    async def resync(self) -> None:
        """Restart everything from the database, after changes may have been missed."""
        for key in list(self._runners):
            await self._stop(key)
        await self.start()

    async def queues_changed(self, tenant_id: str) -> None:
        """The tenant's queue mappings changed: adapters that watch queues follow them."""
        for key, runner in list(self._runners.items()):
            if key[0] != tenant_id or not self._watches_queues(runner.row):
                continue
            if isinstance(runner.adapter, QueueWatching):
                await runner.adapter.watch_queues(await self._queues(runner.row))
            else:
                await self.reload(*key)

    def statuses(self, tenant_id: str) -> builtins.list[IntegrationStatus]:
        """How each of the tenant's running integrations is doing."""
        return [
            _status_view(runner)
            for (tenant, _), runner in sorted(self._runners.items())
            if tenant == tenant_id
        ]

    def push_adapter(self, provider: str, integration_id: str) -> tuple[str, PushAdapter] | None:
        """The tenant and the running push adapter of an integration of ``provider``, if any."""
        for (tenant, running_id), runner in self._runners.items():
            adapter = runner.adapter
            if running_id == integration_id and runner.row.provider == provider:
                return (tenant, adapter) if isinstance(adapter, PushAdapter) else None
        return None

    def adapters(self, tenant_id: str, provider: str) -> builtins.list[Adapter]:
        """The tenant's running adapters of ``provider``."""
        return [
            runner.adapter
            for (tenant, _), runner in self._runners.items()
            if tenant == tenant_id and runner.row.provider == provider and runner.adapter
        ]

    async def watch_user(self, provider: str, tenant_id: str, user_id: str) -> None:
        """An agent signed in: the tenant's running adapters of ``provider`` follow them too."""
        for adapter in self.adapters(tenant_id, provider):
            if not isinstance(adapter, UserWatching):
                continue
            try:
                await adapter.watch_user(user_id)
            except Exception:
                # Sign-in still succeeds; the adapter's queue subscriptions keep working.
                log.warning(
                    "could not watch agent %s of tenant %s", user_id, tenant_id, exc_info=True
                )

    async def aclose(self) -> None:
        """Stop every adapter; changes arriving later (from other nodes) start nothing."""
        self._closed = True
        for key in list(self._runners):
            await self._stop(key)

    async def _launch(self, row: Integration) -> None:
        manifest = self._platforms.get(row.provider)
        if self._closed or (manifest is not None and manifest.adapter is None):
            # A platform without a server-side event source (its events come through the
            # desktop bridge) has nothing to run, so nothing to report as down either.
            return
        key = (row.tenant_id, row.id)
        runner = _Runner(row, ConnectionStatus(state=ConnectionState.CONNECTING))
        self._runners[key] = runner
        runner.task = asyncio.create_task(self._run(runner), name=f"integration-{row.id}")

    async def _stop(self, key: tuple[str, str]) -> None:
        runner = self._runners.pop(key, None)
        if runner is None or runner.task is None:
            return
        runner.task.cancel()
        # wait() rather than awaiting the task: if *we* are cancelled meanwhile (a config
        # change handled during shutdown), that must propagate, not be taken for the task's.
        await asyncio.wait([runner.task])

    async def _run(self, runner: _Runner) -> None:
        """Run the adapter until it stops for good; reconnect after passing failures."""
        while True:
            status = await self._run_once(runner)
            await self._report(runner, status)
            if status.state in _STOPPING_STATES or status.state is ConnectionState.STOPPED:
                return
            await asyncio.sleep(self._backoff.delay(runner.attempts))
            runner.attempts += 1

    async def _run_once(self, runner: _Runner) -> ConnectionStatus:
        row = runner.row
        try:
            adapter = await self._build(row)
        except ProviderConfigError as err:
            return ConnectionStatus(state=ConnectionState.CONFIG_ERROR, last_error=str(err))
        runner.adapter = adapter
        try:
            if isinstance(adapter, PullAdapter):
                return await self._consume(runner, adapter)
            return await self._hold(runner)
        except ProviderAuthFailed as err:
            return ConnectionStatus(state=ConnectionState.AUTH_FAILED, last_error=str(err))
        except ProviderConfigError as err:
            return ConnectionStatus(state=ConnectionState.CONFIG_ERROR, last_error=str(err))
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.warning("integration %s (%s) failed: %s", row.id, row.provider, _describe(err))
            return ConnectionStatus(state=ConnectionState.RECONNECTING, last_error=_describe(err))
        finally:
            runner.adapter = None
            await adapter.aclose()

    async def _build(self, row: Integration) -> Adapter:
        manifest = self._platforms.get(row.provider)
        if manifest is None:
            raise ProviderConfigError(f"provider {row.provider!r} is not available")
        settings = await self._integrations.settings(row.tenant_id, row.id)
        queues = await self._queues(row) if self._watches_queues(row) else ()
        positions = StoredPositions(self._store.positions, row.tenant_id, row.id)
        adapter = build_adapter(manifest, settings, queues=queues, positions=positions)
        if not isinstance(adapter, PullAdapter | PushAdapter):
            await adapter.aclose()
            raise ProviderConfigError(f"{row.provider} is neither a pull nor a push source")
        return adapter

    def _watches_queues(self, row: Integration) -> bool:
        manifest = self._platforms.get(row.provider)
        return manifest is not None and manifest.has(Capability.QUEUE_WATCHING)

    async def _hold(self, runner: _Runner) -> ConnectionStatus:
        """A push adapter is ready once built; it serves webhook requests until stopped."""
        await self._report(runner, ConnectionStatus(state=ConnectionState.CONNECTED))
        await asyncio.Event().wait()
        return ConnectionStatus(state=ConnectionState.STOPPED)

    async def _consume(self, runner: _Runner, adapter: PullAdapter) -> ConnectionStatus:
        reporting = isinstance(adapter, StatusReporting)
        if isinstance(adapter, StatusReporting):
            adapter.watch_status(lambda status: self._from_adapter(runner, status))
        if isinstance(adapter, AcknowledgedSource):
            return await self._consume_acknowledged(runner, adapter)
        async for event in adapter.listen():
            runner.attempts = 0
            if not reporting and runner.status.state is not ConnectionState.CONNECTED:
                # An adapter that does not say when it connects has once it delivers.
                await self._report(runner, ConnectionStatus(state=ConnectionState.CONNECTED))
            await deliver(self._sink, adapter.name, event)
        return ConnectionStatus(state=ConnectionState.STOPPED)

    async def _consume_acknowledged(
        self, runner: _Runner, adapter: AcknowledgedSource
    ) -> ConnectionStatus:
        """Acknowledge each message only once the pipeline accepted its events."""
        name = runner.row.provider
        async with aclosing(adapter.deliveries()) as deliveries:
            async for delivery in deliveries:
                runner.attempts = 0
                if delivery.rejected is not None:
                    self._record_rejection(runner.row, delivery)
                    await delivery.ack()
                else:
                    await deliver_acknowledged(self._sink, name, delivery)
        return ConnectionStatus(state=ConnectionState.STOPPED)

    def _record_rejection(self, row: Integration, delivery: Delivery) -> None:
        log.warning(
            "%s message %s rejected: %s", row.provider, delivery.message_id, delivery.rejected
        )
        if self._rejections is not None:
            item = {"provider": row.provider, "provider_event_id": delivery.message_id}
            error = PayloadRejected(str(delivery.rejected), field="data")
            self._rejections.rejected(row.tenant_id, item, error)

    def _from_adapter(self, runner: _Runner, status: ConnectionStatus) -> None:
        if status.state is ConnectionState.CONNECTED:
            runner.attempts = 0
        task = asyncio.get_running_loop().create_task(self._report(runner, status))
        task.add_done_callback(_log_failure)

    async def _report(self, runner: _Runner, status: ConnectionStatus) -> None:
        changed = status.state is not runner.status.state
        runner.status = status
        if changed:
            log.info("integration %s is %s", runner.row.id, status.state.value)
            await self._on_status(runner.row.tenant_id, _status_view(runner))

    async def _queues(self, row: Integration) -> builtins.list[str]:
        mappings = await self._store.queue_mappings.list(row.tenant_id)
        return sorted({m.queue for m in mappings if m.provider == row.provider and m.queue != "*"})


def _status_view(runner: _Runner) -> IntegrationStatus:
    load = runner.adapter.load() if isinstance(runner.adapter, LoadReporting) else None
    return IntegrationStatus(
        integration_id=runner.row.id,
        provider=runner.row.provider,
        name=runner.row.name,
        state=runner.status.state,
        last_error=runner.status.last_error,
        changed_at=runner.status.changed_at,
        backlog=load.backlog if load else None,
        last_rejection=load.last_rejection if load else None,
    )


def _describe(err: BaseException) -> str:
    return str(err) or type(err).__name__


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("integration status not delivered", exc_info=task.exception())
