"""What the commands share: loading settings readably and running coroutines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from server.config import Settings
from server.errors import CuecardError
from server.store.database import Store

T = TypeVar("T")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment plus command-line overrides, or a readable error."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as err:
        lines = [
            f"  {'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in err.errors()
        ]
        raise click.ClickException("invalid settings:\n" + "\n".join(lines)) from err


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine, turning cuecard errors into a clean CLI error."""
    try:
        return asyncio.run(coroutine)
    except CuecardError as err:
        where = f" ({err.field})" if err.field else ""
        raise click.ClickException(f"{err.message}{where}") from err


@asynccontextmanager
async def open_store(database_url: str) -> AsyncIterator[Store]:
    """The store at ``database_url``, migrated, closed afterwards."""
    store = await Store.connect(database_url)
    try:
        await store.migrate()
        yield store
    finally:
        await store.aclose()
