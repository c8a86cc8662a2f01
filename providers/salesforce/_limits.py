"""The org's API usage (``Sforce-Limit-Info``) and the gate that backs off REQUEST_LIMIT_EXCEEDED.

Every REST response carries ``Sforce-Limit-Info: api-usage=10018/100000`` (sometimes with
more ``name=used/max`` pairs, e.g. ``api-bursts=1/750``). Salesforce sends no Retry-After and
no rate-limit headers (protocols.md 7.3), so when it answers 403 REQUEST_LIMIT_EXCEEDED the
client must decide on its own how long to wait; :class:`LimitGate` makes every caller wait
behind one probe and caps what a storm may cost (:class:`LimitBudget`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from providers.salesforce._errors import ApiLimitExceeded
from providers.salesforce.const import LimitBudget, Timings

ResultT = TypeVar("ResultT")
_PAIR = re.compile(r"\s*([a-z][a-z0-9-]*)=(\d+)/(\d+)\s*")


class Allocation(BaseModel):
    """One ``used/max`` pair."""

    model_config = ConfigDict(frozen=True)

    used: int = Field(ge=0)
    max: int = Field(ge=0)

    @property
    def fraction(self) -> float:
        """How much of the allocation is used, 0..1 (1 when the maximum is 0)."""
        return self.used / self.max if self.max else 1.0


class ApiUsage(BaseModel):
    """The latest ``Sforce-Limit-Info`` the org sent, and when."""

    model_config = ConfigDict(frozen=True)

    allocations: dict[str, Allocation]
    observed_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def api_usage(self) -> Allocation | None:
        """The rolling 24-hour API request allocation (``api-usage``)."""
        return self.allocations.get("api-usage")


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """``Sforce-Limit-Info`` as :class:`ApiUsage`; None when absent or unreadable."""
    if not header:
        return None
    allocations: dict[str, Allocation] = {}
    for part in header.split(";"):
        match = _PAIR.fullmatch(part)
        if match:
            name, used, maximum = match.groups()
            allocations[name] = Allocation(used=int(used), max=int(maximum))
    return ApiUsage(allocations=allocations) if allocations else None


class LimitGate:
    """Admits requests to one org and backs off together when it answers REQUEST_LIMIT_EXCEEDED.

    See :class:`~providers.salesforce.const.LimitBudget` for what a storm may cost.
    """

    def __init__(self, timings: Timings, budget: LimitBudget) -> None:
        self._timings = timings
        self._budget = budget
        self._slots = asyncio.Semaphore(budget.concurrency)
        self._probe = asyncio.Lock()
        self._refusals = 0
        self._open_at = 0.0
        self.refused_total = 0

    @property
    def limited(self) -> bool:
        """Whether the org refused the last request for its API limit."""
        return self._refusals > 0

    async def run(
        self,
        send: Callable[[], Awaitable[ResultT]],
        refused: Callable[[ResultT], bool],
    ) -> ResultT:
        """``send()`` until the org accepts it, within the budget; ``ApiLimitExceeded`` if not."""
        give_up_at = _now() + self._budget.seconds
        while True:
            if not self.limited:
                async with self._slots:
                    # The storm may have started while this caller waited for a slot.
                    if not self.limited:
                        result = await send()
                        if not refused(result):
                            return result
                        self._refused(probe=False)
                continue
            try:
                async with asyncio.timeout_at(give_up_at):
                    await self._probe.acquire()
            except TimeoutError:
                raise self._gave_up() from None
            try:
                if not self.limited:
                    continue
                await self._wait_turn(give_up_at)
                async with self._slots:
                    result = await send()
                if not refused(result):
                    self._refusals = 0
                    return result
                self._refused(probe=True)
            finally:
                self._probe.release()

    async def _wait_turn(self, give_up_at: float) -> None:
        now = _now()
        if self._refusals >= self._budget.probes:
            if now < self._open_at:
                raise ApiLimitExceeded(
                    "Salesforce API request limit exceeded: the org refused "
                    f"{self._refusals} requests in a row; trying again in "
                    f"{self._open_at - now:.0f} s",
                    retry_after=self._open_at - now,
                )
            # The cool-down is over: a fresh round of probes.
            self._refusals = 1
        if self._open_at > give_up_at:
            raise self._gave_up()
        await asyncio.sleep(max(0.0, self._open_at - now))

    def _refused(self, *, probe: bool) -> None:
        self.refused_total += 1
        if self.limited and not probe:
            # Sent before the storm was known: it says nothing new about the org.
            return
        self._refusals += 1
        if self._refusals >= self._budget.probes:
            wait = self._budget.cooldown
        else:
            wait = min(
                self._timings.limit_backoff_initial * 2 ** (self._refusals - 1),
                self._timings.limit_backoff_max,
            )
        self._open_at = max(self._open_at, _now() + wait)

    def _gave_up(self) -> ApiLimitExceeded:
        return ApiLimitExceeded(
            "Salesforce API request limit exceeded; gave up after "
            f"{self._budget.seconds:g} s of back-off",
            retry_after=max(0.0, self._open_at - _now()),
        )


def _now() -> float:
    return asyncio.get_running_loop().time()
