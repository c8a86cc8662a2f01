"""Tenants' own entity types, checked when an admin adds them and cached for the pipeline.

A tenant type is a name and a regular expression (Python ``re`` syntax, matched
case-insensitively) with the confidence a match gets. It runs after the built-in recognisers,
so it cannot take characters they already claimed, and it may reuse a built-in name (say
``order_id`` for the tenant's own order number format).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Any

from server.assist.entities import BUILT_IN, DEFAULT_THRESHOLD, Recogniser
from server.errors import InvalidInput
from server.singleflight import SingleFlight
from server.store.database import Store
from server.store.models import EntityType

log = logging.getLogger(__name__)
# Patterns change rarely; each node re-reads a tenant's after this long (or at once on the
# node where an admin changed them).
CACHE_SECONDS = 30.0
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_PATTERN = 300
# A quantified group that is itself quantified ("(a+)+") can take exponential time on a
# near-miss; such patterns are refused.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
_REPEATS = frozenset({_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT})


def check_entity_type(name: str, pattern: str, confidence: float) -> re.Pattern[str]:
    """The compiled pattern, or an ``InvalidInput`` naming the field that is wrong."""
    if not NAME.match(name):
        raise InvalidInput(
            "use 1-40 lower-case letters, digits and _, starting with a letter", field="name"
        )
    if not pattern or len(pattern) > MAX_PATTERN:
        raise InvalidInput(f"a pattern is 1 to {MAX_PATTERN} characters", field="pattern")
    if _NESTED_QUANTIFIER.search(pattern):
        raise InvalidInput("nested repetition like (a+)+ can hang; simplify it", field="pattern")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as err:
        raise InvalidInput(f"not a regular expression: {err}", field="pattern") from err
    if _repeats_a_choice(_parser.parse(pattern, re.IGNORECASE)):
        raise InvalidInput(
            "nested repetition like (a+)+ or (a|ab)* can hang; simplify it", field="pattern"
        )
    if compiled.search(""):
        raise InvalidInput("the pattern matches empty text", field="pattern")
    if not 0.0 < confidence <= 1.0:
        raise InvalidInput("confidence is above 0 and at most 1", field="confidence")
    return compiled


def _repeats_a_choice(items: Any) -> bool:
    """Whether part of a parsed pattern repeated more than once can match its text in more than
    one way: an alternation, or a repetition of varying length, inside it. Such a part tries
    every way on a near miss, exponential in the text (``(a|a)*b`` on forty "a"s runs for
    years); the text check above misses most of them. Everything inside a pattern is read:
    groups, alternatives and look-arounds.
    """
    for op, value in items:
        if op in _REPEATS:
            _low, high, body = value
            if (high > 1 and _varies(body)) or _repeats_a_choice(body):
                return True
        elif any(_repeats_a_choice(inner) for inner in _inner(op, value)):
            return True
    return False


def _varies(items: Any) -> bool:
    """Whether a parsed part holds an alternation or a repetition of varying length."""
    for op, value in items:
        if op is _constants.BRANCH or (op in _REPEATS and value[0] != value[1]):
            return True
        if any(_varies(inner) for inner in _inner(op, value)):
            return True
    return False


def _inner(op: Any, value: Any) -> list[Any]:
    """The parsed parts directly inside a group, alternation or look-around."""
    if op is _constants.BRANCH:
        return list(value[1])
    if op is _constants.SUBPATTERN:
        return [value[-1]]
    if op in (_constants.ASSERT, _constants.ASSERT_NOT):
        return [value[1]]
    if op is _constants.ATOMIC_GROUP:
        return [value]
    if op is _constants.GROUPREF_EXISTS:
        return [part for part in value[1:] if part is not None]
    if op in _REPEATS:
        return [value[2]]
    return []


def check_threshold(threshold: float) -> float:
    """A valid threshold, or ``InvalidInput``."""
    if not 0.0 <= threshold <= 1.0:
        raise InvalidInput("the threshold is between 0 and 1", field="threshold")
    return threshold


def recognisers(types: Sequence[EntityType]) -> tuple[Recogniser, ...]:
    """The built-in recognisers followed by the tenant's own."""
    own = tuple(
        Recogniser(t.name, re.compile(t.pattern, re.IGNORECASE), t.confidence) for t in types
    )
    return BUILT_IN + own


class StoredEntityRules:
    """Each tenant's recognisers and threshold from the store, cached for CACHE_SECONDS.

    Past that, the cached rules are still used while one background load refreshes them, so
    no customer turn waits on the database except a tenant's very first.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, tuple[float, tuple[Recogniser, ...], float]] = {}
        self._loads: SingleFlight[tuple[tuple[Recogniser, ...], float]] = SingleFlight()
        self._refreshes: set[asyncio.Task[object]] = set()

    async def rules(self, tenant_id: str) -> tuple[Sequence[Recogniser], float]:
        cached = self._cache.get(tenant_id)
        if cached is None:
            return await self._loads.load(tenant_id, lambda: self._load(tenant_id))
        if time.monotonic() - cached[0] >= CACHE_SECONDS:
            self._refresh(tenant_id)
        return cached[1], cached[2]

    def forget(self, tenant_id: str) -> None:
        """Re-read the tenant's rules on next use (its admin just changed them)."""
        self._cache.pop(tenant_id, None)

    def _refresh(self, tenant_id: str) -> None:
        task = asyncio.ensure_future(self._loads.load(tenant_id, lambda: self._load(tenant_id)))
        self._refreshes.add(task)
        task.add_done_callback(self._refreshed)

    def _refreshed(self, task: asyncio.Task[object]) -> None:
        self._refreshes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The cached rules stay in use; the next turn past CACHE_SECONDS tries again.
            log.warning("entity rules could not be refreshed: %s", type(task.exception()).__name__)

    async def _load(self, tenant_id: str) -> tuple[tuple[Recogniser, ...], float]:
        types = await self._store.entity_types.list(tenant_id)
        threshold = await self._store.entity_types.threshold(tenant_id)
        value = (recognisers(types), threshold if threshold is not None else DEFAULT_THRESHOLD)
        self._cache[tenant_id] = (time.monotonic(), *value)
        return value
