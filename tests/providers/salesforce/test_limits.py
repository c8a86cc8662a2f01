"""REQUEST_LIMIT_EXCEEDED: the client backs off within its budget and no write is lost."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from providers.salesforce import SalesforceClient
from providers.salesforce._errors import ApiLimitExceeded
from providers.salesforce._limits import parse_limit_info
from providers.salesforce.const import LimitBudget
from tests.doubles.salesforce.world import SalesforceWorld

from .conftest import BUDGET, FAST, settings_for

WRITES = 20


async def write(client: SalesforceClient, number: int) -> None:
    await client.upsert("Task", "Cuecard_Id__c", f"conv-{number}", {"Subject": f"wrap-up {number}"})


def refused(world: SalesforceWorld) -> int:
    return sum(1 for _, _, status in world.requests if status == 403)


async def test_a_short_storm_is_ridden_out_without_the_caller_noticing(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    await client.userinfo()
    world.faults.limit_exceeded = 2
    await write(client, 1)
    assert refused(world) == 2
    assert len(world.records["Task"]) == 1


async def test_a_storm_never_costs_more_than_the_budget_and_every_write_lands(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    await client.userinfo()
    world.faults.limit_storm = True
    pending = set(range(WRITES))

    # The first round meets the storm: some calls give up, and their writes stay pending as
    # in an outbox. No caller waits beyond the budget.
    results = await asyncio.gather(
        *(write(client, n) for n in sorted(pending)), return_exceptions=True
    )
    assert all(isinstance(result, ApiLimitExceeded) for result in results)
    first_round = refused(world)
    assert first_round <= BUDGET.concurrency + BUDGET.probes

    # While the gate is shut, retries fail at once and cost the org nothing.
    retry = await asyncio.gather(*(write(client, n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(result, ApiLimitExceeded) for result in retry)
    assert refused(world) == first_round

    # The storm passes; after the cool-down the outbox retries and every write is applied once.
    world.faults.limit_storm = False
    await asyncio.sleep(BUDGET.cooldown)
    while pending:
        outcomes = await asyncio.gather(
            *(write(client, n) for n in sorted(pending)), return_exceptions=True
        )
        pending = {n for n, outcome in zip(sorted(pending), outcomes, strict=True) if outcome}
    tasks = sorted(row["Cuecard_Id__c"] for row in world.records["Task"].values())
    assert tasks == sorted(f"conv-{n}" for n in range(WRITES))
    assert refused(world) == first_round


async def test_concurrent_writes_stay_within_the_concurrency_budget(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    budget = LimitBudget(probes=4, concurrency=2, cooldown=0.3, seconds=5.0)
    client = SalesforceClient(settings_for(double), http, timings=FAST, budget=budget)
    await client.userinfo()
    world.faults.limit_storm = True
    await asyncio.gather(*(write(client, n) for n in range(10)), return_exceptions=True)
    assert refused(world) <= budget.concurrency + budget.probes


async def test_a_caller_gives_up_after_its_budget_seconds(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    budget = LimitBudget(probes=100, concurrency=1, cooldown=10.0, seconds=0.2)
    client = SalesforceClient(settings_for(double), http, timings=FAST, budget=budget)
    await client.userinfo()
    world.faults.limit_storm = True
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ApiLimitExceeded, match=r"gave up after 0\.2 s"):
        await write(client, 1)
    # Back-off waits end early rather than overshoot the budget.
    assert loop.time() - started < 0.2 + FAST.limit_backoff_max


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=10018/100000", {"api-usage": (10018, 100000)}),
        (
            "api-usage=25/15000; per-app-api-usage=17/250(appName=cuecard)",
            {"api-usage": (25, 15000)},
        ),
        ("api-usage=1/750; api-bursts=1/750", {"api-usage": (1, 750), "api-bursts": (1, 750)}),
    ],
)
def test_limit_info_headers_in_each_shape(
    header: str, expected: dict[str, tuple[int, int]]
) -> None:
    usage = parse_limit_info(header)
    assert usage is not None
    assert {k: (v.used, v.max) for k, v in usage.allocations.items()} == expected


@pytest.mark.parametrize("header", [None, "", "garbage"])
def test_missing_or_unreadable_limit_info_is_none(header: str | None) -> None:
    assert parse_limit_info(header) is None
