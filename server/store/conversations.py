"""Durable conversation summaries and the agents' feedback on suggestions."""

from __future__ import annotations

import builtins
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select

from providers.models import MediaType
from server.errors import InvalidInput
from server.store.engine import Database
from server.store.models import ConversationRecord, ConversationStatus, Feedback, FeedbackAction
from server.store.schema import conversations, feedback, new_id, utcnow

_KEY = ["tenant_id", "conversation_id"]


def _invalid(err: ValidationError) -> InvalidInput:
    field = ".".join(str(part) for part in err.errors()[0]["loc"])
    return InvalidInput(f"invalid {field}", field=field)


class ConversationRepository:
    """Merge what each event reveals about a conversation into one row per conversation."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(
        self,
        tenant_id: str,
        conversation_id: str,
        *,
        provider: str,
        queue: str | None = None,
        media: MediaType | None = None,
        agent_id: str | None = None,
        status: ConversationStatus | None = None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> ConversationRecord:
        """Create the conversation or merge the given (non-``None``) fields into it.

        Fields left as ``None`` keep their stored value, so a later ``agent.assigned`` does not
        erase the ``started_at`` an earlier event recorded. A new row starts ``open``.
        """
        given = {
            "provider": provider,
            "queue": queue,
            "media": media,
            "agent_id": agent_id,
            "status": status,
            "started_at": started_at,
            "ended_at": ended_at,
        }
        changes = {name: value for name, value in given.items() if value is not None}
        changes["updated_at"] = updated_at or utcnow()
        try:
            fresh = ConversationRecord(
                tenant_id=tenant_id, conversation_id=conversation_id, **changes
            )
        except ValidationError as err:
            raise _invalid(err) from err
        insert = self._db.insert(conversations).values(fresh.model_dump())
        merge = insert.on_conflict_do_update(
            index_elements=_KEY, set_={name: insert.excluded[name] for name in changes}
        )
        async with self._db.transaction() as conn:
            row = (await conn.execute(merge.returning(*conversations.c))).one()
        return ConversationRecord.model_validate(row)

    async def get(self, tenant_id: str, conversation_id: str) -> ConversationRecord | None:
        """The tenant's conversation with this id; another tenant's is ``None``."""
        statement = select(conversations).where(
            conversations.c.tenant_id == tenant_id,
            conversations.c.conversation_id == conversation_id,
        )
        async with self._db.reading() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else ConversationRecord.model_validate(row)


class FeedbackRepository:
    """Record which suggestions agents used or dismissed."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        tenant_id: str,
        conversation_id: str,
        suggestion_id: str,
        agent_id: str,
        action: FeedbackAction,
    ) -> Feedback:
        """Store one verdict; :class:`InvalidInput` if ``action`` is not a known one."""
        try:
            verdict = Feedback(
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                suggestion_id=suggestion_id,
                agent_id=agent_id,
                action=action,
                created_at=utcnow(),
            )
        except ValidationError as err:
            raise _invalid(err) from err
        async with self._db.transaction() as conn:
            await conn.execute(feedback.insert().values(id=new_id(), **verdict.model_dump()))
        return verdict

    async def list(self, tenant_id: str, conversation_id: str) -> builtins.list[Feedback]:
        """The feedback given in one of the tenant's conversations, oldest first."""
        statement = (
            select(feedback)
            .where(
                feedback.c.tenant_id == tenant_id,
                feedback.c.conversation_id == conversation_id,
            )
            .order_by(feedback.c.created_at, feedback.c.id)
        )
        async with self._db.reading() as conn:
            rows = (await conn.execute(statement)).all()
        return [Feedback.model_validate(row) for row in rows]
