"""What the Health page shows of write-backs: each platform's API allowance and the outbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from providers.base import ApiAllowance
from server.store.models import WriteBackStatus
from server.store.write_backs import WriteBackRepository
from server.writeback.records import PlatformRecords


class WriteBackProblem(BaseModel):
    """A conversation whose write-back did not go through (yet)."""

    model_config = ConfigDict(frozen=True)

    platform: str
    conversation_id: str
    status: WriteBackStatus
    attempts: int
    error: str
    next_attempt_at: datetime | None
    updated_at: datetime


class PlatformWriteBacks(BaseModel):
    """One platform's write-backs for a tenant."""

    model_config = ConfigDict(frozen=True)

    platform: str
    display_name: str
    allowance: ApiAllowance | None
    counts: dict[WriteBackStatus, int]

    @property
    def pending(self) -> int:
        """Conversations whose write-back is still to come (due or held)."""
        return self.counts.get(WriteBackStatus.DUE, 0) + self.counts.get(WriteBackStatus.HELD, 0)


class WriteBackHealth(BaseModel):
    """The tenant's write-backs, per platform, and the latest problems."""

    model_config = ConfigDict(frozen=True)

    platforms: list[PlatformWriteBacks]
    problems: list[WriteBackProblem]


class WriteBackViews:
    """Puts the Health page's write-back section together."""

    def __init__(self, records: PlatformRecords, outbox: WriteBackRepository) -> None:
        self._records = records
        self._outbox = outbox

    async def health(self, tenant_id: str) -> WriteBackHealth:
        """Allowances and counts of every platform the tenant writes back to, and problems."""
        counts = await self._outbox.counts(tenant_id)
        platforms = []
        for name, manifest in sorted(self._records.platforms.items()):
            allowance = await self._records.allowance(tenant_id, name)
            mine = {status: n for (platform, status), n in counts.items() if platform == name}
            if allowance is not None or mine:
                platforms.append(
                    PlatformWriteBacks(
                        platform=name,
                        display_name=manifest.display_name,
                        allowance=allowance,
                        counts=mine,
                    )
                )
        problems = [
            WriteBackProblem(
                platform=row.platform,
                conversation_id=row.conversation_id,
                status=row.status,
                attempts=row.attempts,
                error=row.last_error or "",
                next_attempt_at=row.next_attempt_at,
                updated_at=row.updated_at,
            )
            for row in await self._outbox.problems(tenant_id)
        ]
        return WriteBackHealth(platforms=platforms, problems=problems)
