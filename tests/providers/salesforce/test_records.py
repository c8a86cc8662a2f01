"""Reading a conversation's queue and Case, and writing the wrap-up Task, against the double."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from providers.base import HoldSpan, WrapUp
from providers.errors import PayloadInvalid, ProviderError, ProviderNotReady
from providers.models import MediaType
from providers.salesforce import SalesforceClient
from providers.salesforce._errors import RecordRejected
from providers.salesforce.client import SalesforceCheck
from providers.salesforce.records import (
    SalesforceRecords,
    conversation_context,
    describe,
    write_wrap_up,
)
from tests.doubles.salesforce.world import SalesforceWorld

from .conftest import AGENT_ID, FAST, settings_for, stranger_keys

ENDED = datetime(2026, 11, 21, 10, 9, 12, tzinfo=UTC)


def arrange(world: SalesforceWorld) -> tuple[str, str, str]:
    """A Case, a MessagingSession on it routed through the Billing queue: (case, session, queue)."""
    queue_id = world.insert("Group", Name="Billing", DeveloperName="Billing", Type="Queue")
    case_id = world.insert("Case", Subject="Router drops")
    session_id = world.insert("MessagingSession", CaseId=case_id, OwnerId=AGENT_ID)
    world.insert(
        "AgentWork",
        WorkItemId=session_id,
        OriginalQueueId=queue_id,
        UserId=AGENT_ID,
        CreatedDate="2026-11-21T10:00:01.000+0000",
    )
    return case_id, session_id, queue_id


def wrap_up(session_id: str, **changes: object) -> WrapUp:
    values: dict[str, object] = {
        "conversation_id": session_id,
        "agent_id": AGENT_ID,
        "notes": "Customer's router replaced; follow up Monday.",
        "holds": (
            HoldSpan(
                started_at=ENDED - timedelta(minutes=6), ended_at=ENDED - timedelta(minutes=5)
            ),
            HoldSpan(
                started_at=ENDED - timedelta(seconds=90), ended_at=ENDED - timedelta(seconds=45)
            ),
        ),
        "ended_at": ENDED,
    }
    return WrapUp.model_validate({**values, **changes})


async def test_the_queue_and_case_come_back_in_one_api_call(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id, session_id, queue_id = arrange(world)
    await client.userinfo()
    used = world.api_used

    context = await conversation_context(client, session_id)

    assert (context.queue, context.queue_id, context.case_id) == ("Billing", queue_id, case_id)
    assert world.api_used == used + 1


async def test_the_latest_work_item_names_the_queue_after_a_transfer(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    _, session_id, _ = arrange(world)
    tech = world.insert("Group", Name="Tech", DeveloperName="Tech_Support", Type="Queue")
    world.insert(
        "AgentWork",
        WorkItemId=session_id,
        OriginalQueueId=tech,
        UserId=AGENT_ID,
        CreatedDate="2026-11-21T10:04:00.000+0000",
    )
    assert (await conversation_context(client, session_id)).queue == "Tech_Support"


async def test_a_conversation_not_routed_by_omni_channel_has_no_queue(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id = world.insert("Case", Subject="Walk-in")
    session_id = world.insert("MessagingSession", CaseId=case_id)
    context = await conversation_context(client, session_id)
    assert (context.queue, context.case_id) == (None, case_id)


async def test_an_id_that_could_escape_the_query_is_refused(client: SalesforceClient) -> None:
    with pytest.raises(PayloadInvalid, match="not a Salesforce record id"):
        await conversation_context(client, "0Mw' OR Id != '")


async def test_the_wrap_up_is_a_completed_task_on_the_case_with_the_hold_timeline(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id, session_id, _ = arrange(world)

    result = await write_wrap_up(client, wrap_up(session_id))

    [task] = world.records["Task"].values()
    assert result.created
    assert task["Id"] == result.id
    assert (task["WhatId"], task["OwnerId"], task["Status"]) == (case_id, AGENT_ID, "Completed")
    assert task["Cuecard_Id__c"] == f"{session_id}-{AGENT_ID}"
    assert (task["Cuecard_Hold_Count__c"], task["Cuecard_Hold_Seconds__c"]) == (2, 105)
    assert task["ActivityDate"] == "2026-11-21"
    assert task["Description"] == (
        "Customer's router replaced; follow up Monday.\n\n"
        "Holds: 2, 1 min 45 s in total\n"
        "- 10:03:12 UTC to 10:04:12 UTC (1 min 0 s)\n"
        "- 10:07:42 UTC to 10:08:27 UTC (45 s)"
    )


async def test_writing_the_wrap_up_again_updates_the_same_task(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    _, session_id, _ = arrange(world)
    await write_wrap_up(client, wrap_up(session_id, notes="first draft"))
    again = await write_wrap_up(client, wrap_up(session_id, notes="final notes"))
    [task] = world.records["Task"].values()
    assert not again.created
    assert task["Description"].startswith("final notes")


async def test_a_session_without_a_case_is_refused_naming_case_id(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    session_id = world.insert("MessagingSession", OwnerId=AGENT_ID)
    with pytest.raises(RecordRejected) as caught:
        await write_wrap_up(client, wrap_up(session_id))
    assert caught.value.fields == ("CaseId",)
    assert "Task" not in world.records


def test_a_conversation_without_holds_says_so() -> None:
    text = describe(wrap_up("0MwHo00000AbCdEKAZ", holds=(), notes=""))
    assert text == "Holds: none"


def test_long_notes_are_cut_so_the_timeline_still_fits() -> None:
    text = describe(wrap_up("0MwHo00000AbCdEKAZ", notes="x" * 32_000))
    assert len(text) <= 32_000
    assert text.endswith("(45 s)")


def test_a_hold_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ended_at"):
        HoldSpan(started_at=ENDED, ended_at=ENDED - timedelta(seconds=1))


# -- the platform's ConversationRecords ------------------------------------------------------


@pytest.fixture
def records(double: TestServer, http: aiohttp.ClientSession) -> SalesforceRecords:
    return SalesforceRecords(settings_for(double), http, timings=FAST)


async def test_the_records_give_the_omni_channel_queue_as_the_conversation_starts(
    world: SalesforceWorld, records: SalesforceRecords
) -> None:
    _, session_id, _ = arrange(world)
    facts = await records.facts(session_id, MediaType.MESSAGE)
    assert facts.queue == "Billing"


async def test_a_voice_call_is_read_and_wrapped_up_on_its_related_record(
    world: SalesforceWorld, records: SalesforceRecords
) -> None:
    queue_id = world.insert("Group", Name="Voice", DeveloperName="Voice_Support", Type="Queue")
    case_id = world.insert("Case", Subject="Phone line crackles")
    call_id = world.insert("VoiceCall", RelatedRecordId=case_id, CallType="Inbound")
    world.insert("AgentWork", WorkItemId=call_id, OriginalQueueId=queue_id, UserId=AGENT_ID)

    assert (await records.facts(call_id, MediaType.VOICE)).queue == "Voice_Support"
    task_id = await records.write_back(wrap_up(call_id, media=MediaType.VOICE))

    task = world.records["Task"][task_id]
    assert (task["WhatId"], task["Cuecard_Hold_Count__c"]) == (case_id, 2)


async def test_the_org_api_allowance_follows_the_last_response(
    world: SalesforceWorld, records: SalesforceRecords
) -> None:
    assert records.allowance() is None
    _, session_id, _ = arrange(world)
    world.api_used, world.api_max = 41_000, 100_000
    world.faults.limit_exceeded = 1
    await records.write_back(wrap_up(session_id))
    allowance = records.allowance()
    assert allowance is not None
    assert (allowance.limit, allowance.refused) == (100_000, 1)
    assert allowance.used == world.api_used


async def test_the_connection_check_names_what_is_wrong(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    check = SalesforceCheck(http)
    await check.check(settings_for(double))
    with pytest.raises(ProviderError, match="certificate uploaded to the External Client App"):
        await check.check(settings_for(double, private_key=stranger_keys().private_pem))


async def test_the_connection_check_reports_an_org_over_its_limit_at_once(
    double: TestServer, world: SalesforceWorld, http: aiohttp.ClientSession
) -> None:
    world.faults.limit_storm = True
    with pytest.raises(ProviderNotReady, match="API request limit exceeded"):
        await asyncio.wait_for(SalesforceCheck(http).check(settings_for(double)), 5)
    assert sum(1 for _, _, status in world.requests if status == 403) == 1
