"""On SQLite, storing a live entry advances its conversation's counter itself (a trigger).

The journal's writer then stores an entry with one statement instead of four (begin, advance
the counter, insert, commit): each statement handed the interpreter lock to the event loop and
waited to get it back. The counter's ``updated_at`` is stamped when older than ten minutes, as
PostgreSQL's writer does (server/store/live_counters.py). PostgreSQL is unchanged.

Revision ID: 0011
Revises: 0010
Created: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The stamps are the text sqlite3 stores an aware UTC datetime as (``isoformat(" ")``), so
# that they compare and read back like the values the application writes.
_TRIGGER = """
CREATE TRIGGER live_entries_advance_counter AFTER INSERT ON live_entries
BEGIN
    INSERT INTO live_conversations (tenant_id, conversation_id, last_position, updated_at)
    VALUES (
        NEW.tenant_id, NEW.conversation_id, NEW.position,
        strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now')
    )
    ON CONFLICT (tenant_id, conversation_id)
    DO UPDATE SET last_position = max(last_position, excluded.last_position);
    UPDATE live_conversations SET updated_at = strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now')
    WHERE tenant_id = NEW.tenant_id AND conversation_id = NEW.conversation_id
    AND updated_at < strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now', '-10 minutes');
END
"""


def upgrade() -> None:
    """Create the trigger on SQLite."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_TRIGGER)


def downgrade() -> None:
    """Drop it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER live_entries_advance_counter")
