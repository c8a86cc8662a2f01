"""What the commands share: loading settings readably, running coroutines, opening the store."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from server.config import Settings
from server.errors import CuecardError, NotFound
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


def run(coroutine: Coroutine[Any, Any, T], options: Mapping[str, str] | None = None) -> T:
    """Run a coroutine, turning cuecard errors into one clean line.

    An error naming a field is prefixed with the option the user typed for it (``options``
    maps field names to options, e.g. ``{"tenant": "--tenant"}``), else with the field.
    """
    try:
        return asyncio.run(coroutine)
    except CuecardError as err:
        raise click.ClickException(describe(err, options or {})) from err


def describe(err: CuecardError, options: Mapping[str, str]) -> str:
    """``err`` as one line: where the problem is, then what it is."""
    if not err.field:
        return err.message
    # ``allowed_origins[1]`` came from the second of a repeated option.
    field = re.sub(r"\[\d+\]$", "", err.field)
    return f"{options.get(field, err.field)}: {err.message}"


@asynccontextmanager
async def open_store(database_url: str) -> AsyncIterator[Store]:
    """The store at ``database_url``, migrated, closed afterwards."""
    store = await Store.connect(database_url)
    try:
        await store.migrate()
        yield store
    finally:
        await store.aclose()


async def require_tenant(store: Store, tenant_id: str) -> None:
    """:class:`NotFound` (on ``tenant``) unless the tenant exists, saying how to create it."""
    if await store.tenants.get(tenant_id) is None:
        raise NotFound(
            f"no tenant {tenant_id!r}; create it first with: cuecard tenant create {tenant_id}",
            field="tenant",
        )
