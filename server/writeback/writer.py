"""The outbox writer: applies due write-backs to the platforms, once, whatever happens meanwhile.

Every node runs one. It claims due rows under a short lease that it renews while a write
runs, so a node that dies mid-write gives its rows back within the lease and another node (or
the same one, restarted) writes them. A platform's classified errors decide what comes next:
not ready (down, over its API limit) → again later, at the platform's ``retry_after`` or with
capped back-off; refused credentials or wrong settings → held until the integration changes;
a rejected record → failed, shown on the Health page (and tried again if the integration
changes). Writes are idempotent on the platform's side, so a write repeated after a crash
updates the same record. Cancelling the writer (the server stopping) interrupts waits and
platform calls, never a step in the outbox: a transaction cut mid-way loses its connection,
and on SQLite it can leave a close that never finishes.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from providers.errors import (
    ProviderAuthFailed,
    ProviderConfigError,
    ProviderError,
    ProviderNotReady,
)
from server.store.models import WriteBack, WriteBackStatus
from server.store.write_backs import WriteBackKey, WriteBackRepository
from server.writeback.records import PlatformRecords

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WriterTimings:
    """How often the writer looks, how long it holds a row, how it backs off (seconds)."""

    # Rows other nodes made due are found this often (this node's own wake it at once).
    poll: float = 10.0
    lease: float = 15.0
    backoff_first: float = 5.0
    backoff_cap: float = 300.0
    # Rows written at once by one node (the platform's own limits apply per integration).
    batch: int = 8
    # Written rows are forgotten after this long; rows of conversations that never ended, too.
    keep_written: float = 30 * 86400.0
    keep_idle: float = 7 * 86400.0
    purge_every: float = 3600.0


class OutboxWriter:
    """Writes due rows of the outbox through the platforms' ``ConversationRecords``."""

    def __init__(
        self,
        outbox: WriteBackRepository,
        records: PlatformRecords,
        timings: WriterTimings = WriterTimings(),
    ) -> None:
        self._outbox = outbox
        self._records = records
        self._timings = timings
        self._wakeup = asyncio.Event()
        self._purged_at = 0.0

    def wake(self) -> None:
        """A row became due on this node: look now."""
        self._wakeup.set()

    async def integration_changed(self, tenant_id: str, integration_id: str) -> None:
        """An integration changed: the tenant's held and failed rows are tried again."""
        rearmed = 0
        for platform in self._records.platforms:
            rearmed += await self._outbox.rearm(tenant_id, platform)
        if rearmed:
            log.info("%d write-backs of tenant %s are due again", rearmed, tenant_id)
            self.wake()

    async def run(self) -> None:
        """Write due rows until cancelled."""
        while True:
            self._wakeup.clear()
            claimed = await self._claim()
            if claimed:
                await asyncio.gather(*(self._write(row) for row in claimed))
                continue
            await self._purge()
            try:
                async with asyncio.timeout(self._timings.poll):
                    await self._wakeup.wait()
            except TimeoutError:
                pass

    async def _claim(self) -> list[WriteBack]:
        now = _now()
        lease_until = now + timedelta(seconds=self._timings.lease)
        try:
            return await _unbroken(
                self._outbox.claim_due(now, lease_until=lease_until, limit=self._timings.batch)
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            # The database is away: the rows wait in it; look again after the poll.
            log.warning("write-back outbox unavailable", exc_info=True)
            return []

    async def _write(self, row: WriteBack) -> None:
        key = WriteBackKey(row.tenant_id, row.platform, row.conversation_id)
        renewing = asyncio.create_task(self._keep_lease(key), name="write-back-lease")
        try:
            record_id = await self._records.write_back(row.tenant_id, row.platform, row.wrap_up())
        except ProviderNotReady as err:
            await self._retry(key, row, err, err.retry_after)
        except (ProviderAuthFailed, ProviderConfigError) as err:
            await self._set_aside(key, WriteBackStatus.HELD, err)
        except ProviderError as err:
            await self._set_aside(key, WriteBackStatus.FAILED, err)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.exception("write-back of conversation %s failed", row.conversation_id)
            await self._retry(key, row, err, None)
        else:
            await self._done(key, row, record_id)
        finally:
            renewing.cancel()
            # A renewal in progress finishes first (it is one short transaction).
            await asyncio.wait([renewing])

    async def _keep_lease(self, key: WriteBackKey) -> None:
        while True:
            await asyncio.sleep(self._timings.lease / 3)
            lease_until = _now() + timedelta(seconds=self._timings.lease)
            try:
                await _unbroken(self._outbox.renew(key, lease_until))
            except Exception:
                log.debug("lease of write-back %s not renewed", key.conversation_id, exc_info=True)

    async def _done(self, key: WriteBackKey, row: WriteBack, record_id: str) -> None:
        log.debug("write-back of conversation %s applied (%s)", row.conversation_id, record_id)
        if not await _guarded(self._outbox.written(key, row.version, record_id=record_id)):
            # Notes came in while writing: the newer version is due at once.
            self.wake()

    async def _retry(
        self, key: WriteBackKey, row: WriteBack, err: BaseException, after: float | None
    ) -> None:
        delay = after if after is not None else self._backoff(row.attempts)
        log.info(
            "write-back of conversation %s (%s) again in %.0f s: %s",
            row.conversation_id,
            row.platform,
            delay,
            _describe(err),
        )
        at = _now() + timedelta(seconds=max(delay, 0.0))
        await _guarded(self._outbox.retry_later(key, error=_describe(err), at=at))

    async def _set_aside(
        self, key: WriteBackKey, status: WriteBackStatus, err: BaseException
    ) -> None:
        log.warning("write-back of conversation %s is %s: %s", key.conversation_id, status, err)
        await _guarded(self._outbox.set_aside(key, status, error=_describe(err)))

    def _backoff(self, attempts: int) -> float:
        ceiling = min(self._timings.backoff_cap, self._timings.backoff_first * 2**attempts)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret

    async def _purge(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._purged_at < self._timings.purge_every:
            return
        self._purged_at = loop_time
        now = _now()
        await _guarded(
            self._outbox.purge(
                written_before=now - timedelta(seconds=self._timings.keep_written),
                idle_before=now - timedelta(seconds=self._timings.keep_idle),
            )
        )


async def _guarded(step: Awaitable[T]) -> T | None:
    """Run one bookkeeping step; with the database away, the row's lease lapses and it is
    claimed again later, so nothing is lost."""
    try:
        return await _unbroken(step)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.warning("write-back outbox unavailable", exc_info=True)
        return None


async def _unbroken(step: Awaitable[T]) -> T:
    """``step`` run to its end even if the caller is cancelled meanwhile; the cancellation
    follows once it has ended."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        # Its error, if any, goes nowhere: the caller is going away.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        await asyncio.wait([task])
        raise


def _now() -> datetime:
    return datetime.now(UTC)


def _describe(err: BaseException) -> str:
    return str(err) or type(err).__name__
