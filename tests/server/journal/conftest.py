"""A journal over a migrated store on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.cli.common import open_store
from server.journal.service import Journal


@pytest.fixture
async def journal(database_url: str) -> AsyncIterator[Journal]:
    async with open_store(database_url) as store:
        journal = Journal(store.live, max_lines=3)
        yield journal
        await journal.aclose()
