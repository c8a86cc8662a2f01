"""The org's records of a conversation: its Omni-Channel queue at the start, the wrap-up Task
at the end (:class:`SalesforceRecords`, the platform's ``ConversationRecords``).

Reads go as one composite request (one API call): the conversation record's Case and the
Omni-Channel work item that routed it, whose ``OriginalQueue`` is the queue (a Group) the
conversation came from::

    SELECT OriginalQueueId, OriginalQueue.DeveloperName FROM AgentWork
    WHERE WorkItemId = '0MwHo00000AbCdEKAZ' ORDER BY CreatedDate DESC LIMIT 1

The wrap-up is a completed Task on the conversation's Case (a Messaging Session's ``CaseId``,
a Voice Call's ``RelatedRecordId``), owned by the agent, upserted by an external id made of
the conversation and the agent, so writing it again (a retry, a restart, notes saved after
the end) updates the same Task.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ConfigDict

from providers.base import ApiAllowance, ConversationFacts, WrapUp
from providers.errors import PayloadInvalid
from providers.models import MediaType
from providers.salesforce._errors import ApiErrorItem, RecordRejected
from providers.salesforce.client import SalesforceClient, Subrequest, SubResponse, UpsertResult
from providers.salesforce.config import SalesforceSettings
from providers.salesforce.const import DEFAULT_TIMINGS, Timings

# Task.Description holds 32,000 characters; the hold timeline goes after the notes.
DESCRIPTION_MAX = 32_000
HOLD_COUNT_FIELD = "Cuecard_Hold_Count__c"
HOLD_SECONDS_FIELD = "Cuecard_Hold_Seconds__c"
TASK_SUBJECT = "Conversation wrap-up (cuecard)"
# The record a conversation is, by medium, and its field naming the Case it belongs to.
CONVERSATION_RECORDS: dict[MediaType, tuple[str, str]] = {
    MediaType.MESSAGE: ("MessagingSession", "CaseId"),
    MediaType.VOICE: ("VoiceCall", "RelatedRecordId"),
}


class ConversationContext(BaseModel):
    """Where a conversation came from and which Case it belongs to (each may be unknown)."""

    model_config = ConfigDict(frozen=True)

    queue: str | None = None
    queue_id: str | None = None
    case_id: str | None = None


class SalesforceRecords:
    """:class:`providers.base.ConversationRecords` for one org, as its integration user."""

    def __init__(
        self,
        settings: SalesforceSettings,
        session: aiohttp.ClientSession,
        *,
        timings: Timings = DEFAULT_TIMINGS,
    ) -> None:
        self._client = SalesforceClient(
            settings, session, timings=timings, budget=settings.limit_budget
        )

    async def facts(self, conversation_id: str, media: MediaType | None) -> ConversationFacts:
        """The Omni-Channel queue (its developer name) the conversation was routed from."""
        context = await conversation_context(self._client, conversation_id, media)
        return ConversationFacts(queue=context.queue)

    async def write_back(self, wrap_up: WrapUp) -> str:
        """Upsert the wrap-up Task on the conversation's Case; the Task's id."""
        return (await write_wrap_up(self._client, wrap_up)).id

    def allowance(self) -> ApiAllowance | None:
        """The org's 24-hour API allocation from the last ``Sforce-Limit-Info`` seen."""
        usage = self._client.usage
        allocation = usage.api_usage if usage is not None else None
        if usage is None or allocation is None:
            return None
        return ApiAllowance(
            used=allocation.used,
            limit=allocation.max,
            observed_at=usage.observed_at,
            refused=self._client.refused_for_limit,
        )

    async def aclose(self) -> None:
        """Forget the session."""
        await self._client.aclose()


def sobject_of(media: MediaType | None) -> tuple[str, str]:
    """The conversation's sObject and its Case field (a Messaging Session unless voice)."""
    return (
        CONVERSATION_RECORDS.get(media or MediaType.MESSAGE)
        or CONVERSATION_RECORDS[MediaType.MESSAGE]
    )


async def conversation_context(
    client: SalesforceClient, conversation_id: str, media: MediaType | None = None
) -> ConversationContext:
    """The conversation's Omni-Channel queue and Case, read in one composite request."""
    _check_id(conversation_id)
    sobject, case_field = sobject_of(media)
    # The id was just checked to be letters and digits only: nothing can escape the quotes.
    soql = (
        "SELECT OriginalQueueId, OriginalQueue.DeveloperName FROM AgentWork "  # noqa: S608
        f"WHERE WorkItemId = '{conversation_id}' ORDER BY CreatedDate DESC LIMIT 1"
    )
    answers = await client.composite(
        [
            Subrequest(
                method="GET",
                path=f"/sobjects/{sobject}/{conversation_id}?fields={case_field}",
                reference_id="conversation",
            ),
            Subrequest(method="GET", path=f"/query?q={quote(soql, safe='')}", reference_id="work"),
        ]
    )
    return _context(answers, case_field)


def _context(answers: Sequence[SubResponse], case_field: str) -> ConversationContext:
    by_ref = {answer.reference_id: answer.body for answer in answers}
    conversation = by_ref.get("conversation") or {}
    records = (by_ref.get("work") or {}).get("records") or [{}]
    work: dict[str, Any] = records[0]
    queue = work.get("OriginalQueue") or {}
    return ConversationContext(
        queue=queue.get("DeveloperName"),
        queue_id=work.get("OriginalQueueId"),
        case_id=conversation.get(case_field),
    )


def external_id(wrap_up: WrapUp) -> str:
    """The Task's external id: one Task per conversation and agent."""
    if wrap_up.agent_id is None:
        return wrap_up.conversation_id
    return f"{wrap_up.conversation_id}-{wrap_up.agent_id}"


def task_fields(wrap_up: WrapUp, case_id: str) -> dict[str, Any]:
    """The Task a wrap-up becomes: completed, on the Case, owned by the agent."""
    fields: dict[str, Any] = {
        "Subject": TASK_SUBJECT,
        "Status": "Completed",
        "Priority": "Normal",
        "WhatId": case_id,
        "ActivityDate": wrap_up.ended_at.date().isoformat(),
        "Description": describe(wrap_up),
        HOLD_COUNT_FIELD: len(wrap_up.holds),
        HOLD_SECONDS_FIELD: wrap_up.hold_seconds,
    }
    if wrap_up.agent_id is not None:
        fields["OwnerId"] = wrap_up.agent_id
    return fields


def describe(wrap_up: WrapUp) -> str:
    """The notes, then the hold timeline in words (the notes are cut if both do not fit)."""
    timeline = "\n".join(_timeline(wrap_up))
    notes = wrap_up.notes.strip()[: DESCRIPTION_MAX - len(timeline) - 2]
    return "\n\n".join(part for part in (notes, timeline) if part)


def _timeline(wrap_up: WrapUp) -> list[str]:
    if not wrap_up.holds:
        return ["Holds: none"]
    total = f"Holds: {len(wrap_up.holds)}, {_duration(wrap_up.hold_seconds)} in total"
    spans = [
        f"- {_clock(span.started_at)} to {_clock(span.ended_at)} ({_duration(span.seconds)})"
        for span in wrap_up.holds
    ]
    return [total, *spans]


async def write_wrap_up(client: SalesforceClient, wrap_up: WrapUp) -> UpsertResult:
    """Upsert the wrap-up Task on the conversation's Case (the same Task on every retry)."""
    _check_id(wrap_up.conversation_id)
    if wrap_up.agent_id is not None:
        _check_id(wrap_up.agent_id)
    sobject, case_field = sobject_of(wrap_up.media)
    record = await client.get_record(sobject, wrap_up.conversation_id, [case_field])
    case_id = record.get(case_field)
    if not isinstance(case_id, str):
        item = ApiErrorItem(
            message=f"{sobject} {wrap_up.conversation_id} has no Case",
            error_code="NO_RELATED_CASE",
            fields=(case_field,),
        )
        raise RecordRejected("the wrap-up Task", 409, (item,))
    field = client.settings.task_external_id_field
    return await client.upsert("Task", field, external_id(wrap_up), task_fields(wrap_up, case_id))


def _check_id(record_id: str) -> None:
    if not (len(record_id) in (15, 18) and record_id.isalnum() and record_id.isascii()):
        # Never sent: it could not name a record (and must not reach a SOQL string).
        raise PayloadInvalid(f"not a Salesforce record id: {record_id!r}")


def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S UTC")


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
