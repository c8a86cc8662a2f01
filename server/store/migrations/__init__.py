"""Alembic migrations, run in code: no ``alembic.ini`` and no working-directory assumptions.

To write a new revision against a scratch database::

    python -c "from alembic import command; from server.store.migrations import alembic_config; \
command.revision(alembic_config('sqlite:///scratch.db'), 'add x', autogenerate=True)"
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

SCRIPT_LOCATION = Path(__file__).parent
# Any constant works; it only has to be the same for every cuecard process.
_PG_MIGRATION_LOCK = 0x637565636172
HEAD = "head"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at these migrations (and at ``url``, if given)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # The configuration is an INI parser: a literal "%" (URL-encoded passwords) needs "%%".
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, HEAD)


async def upgrade_to_head(conn: AsyncConnection) -> None:
    """Upgrade the schema inside the caller's transaction; concurrent callers take turns."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    await conn.run_sync(_upgrade)
