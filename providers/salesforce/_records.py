"""The org's records cuecard reads and writes: a conversation's queue and Case, the wrap-up Task.

Reads go as one composite request (one API call): the MessagingSession's ``CaseId`` and the
Omni-Channel work item that routed it, whose ``OriginalQueue`` is the queue (a Group) the
conversation came from::

    SELECT OriginalQueueId, OriginalQueue.DeveloperName FROM AgentWork
    WHERE WorkItemId = '0MwHo00000AbCdEKAZ' ORDER BY CreatedDate DESC LIMIT 1

The wrap-up is a completed Task on the Case, upserted by an external id made of the
conversation and the agent, so writing it again (a retry, a restart) updates the same Task.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from providers.salesforce._errors import ApiErrorItem, RecordRejected
from providers.salesforce.client import SalesforceClient, Subrequest, SubResponse, UpsertResult

RecordId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")]
# Task.Description holds 32,000 characters; the hold timeline goes after the notes.
DESCRIPTION_MAX = 32_000
HOLD_COUNT_FIELD = "Cuecard_Hold_Count__c"
HOLD_SECONDS_FIELD = "Cuecard_Hold_Seconds__c"
TASK_SUBJECT = "Conversation wrap-up (cuecard)"


class ConversationContext(BaseModel):
    """Where a conversation came from and which Case it belongs to (each may be unknown)."""

    model_config = ConfigDict(frozen=True)

    queue: str | None = None
    queue_id: str | None = None
    case_id: str | None = None


class HoldSpan(BaseModel):
    """One hold, from hold to resume (or to the end of the conversation)."""

    model_config = ConfigDict(frozen=True)

    started_at: AwareDatetime
    ended_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> HoldSpan:
        if self.ended_at < self.started_at:
            raise ValueError("ended_at: a hold cannot end before it starts")
        return self

    @property
    def seconds(self) -> int:
        """Whole seconds on hold."""
        return round((self.ended_at - self.started_at).total_seconds())


class WrapUp(BaseModel):
    """What is written back when a conversation ends."""

    model_config = ConfigDict(frozen=True)

    conversation_id: RecordId
    agent_id: RecordId | None = None
    notes: str = Field(default="", max_length=DESCRIPTION_MAX)
    holds: tuple[HoldSpan, ...] = ()
    ended_at: AwareDatetime

    @property
    def external_id(self) -> str:
        """The Task's external id: one Task per conversation and agent."""
        if self.agent_id is None:
            return self.conversation_id
        return f"{self.conversation_id}-{self.agent_id}"

    @property
    def hold_seconds(self) -> int:
        """Total time on hold."""
        return sum(span.seconds for span in self.holds)


async def conversation_context(
    client: SalesforceClient, conversation_id: str, sobject: str = "MessagingSession"
) -> ConversationContext:
    """The conversation's Omni-Channel queue and Case, read in one composite request."""
    _check_id(conversation_id)
    # The id was just checked to be letters and digits only: nothing can escape the quotes.
    soql = (
        "SELECT OriginalQueueId, OriginalQueue.DeveloperName FROM AgentWork "  # noqa: S608
        f"WHERE WorkItemId = '{conversation_id}' ORDER BY CreatedDate DESC LIMIT 1"
    )
    answers = await client.composite(
        [
            Subrequest(
                method="GET",
                path=f"/sobjects/{sobject}/{conversation_id}?fields=CaseId",
                reference_id="conversation",
            ),
            Subrequest(method="GET", path=f"/query?q={quote(soql, safe='')}", reference_id="work"),
        ]
    )
    return _context(answers)


def _context(answers: Sequence[SubResponse]) -> ConversationContext:
    by_ref = {answer.reference_id: answer.body for answer in answers}
    conversation = by_ref.get("conversation") or {}
    records = (by_ref.get("work") or {}).get("records") or [{}]
    work: dict[str, Any] = records[0]
    queue = work.get("OriginalQueue") or {}
    return ConversationContext(
        queue=queue.get("DeveloperName"),
        queue_id=work.get("OriginalQueueId"),
        case_id=conversation.get("CaseId"),
    )


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
    session = await client.get_record("MessagingSession", wrap_up.conversation_id, ["CaseId"])
    case_id = session.get("CaseId")
    if not isinstance(case_id, str):
        item = ApiErrorItem(
            message=f"MessagingSession {wrap_up.conversation_id} has no Case",
            error_code="NO_RELATED_CASE",
            fields=("CaseId",),
        )
        raise RecordRejected("the wrap-up Task", 409, (item,))
    field = client.settings.task_external_id_field
    return await client.upsert("Task", field, wrap_up.external_id, task_fields(wrap_up, case_id))


def _check_id(record_id: str) -> None:
    if not (len(record_id) in (15, 18) and record_id.isalnum() and record_id.isascii()):
        raise ValueError(f"not a Salesforce record id: {record_id!r}")


def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S UTC")


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
