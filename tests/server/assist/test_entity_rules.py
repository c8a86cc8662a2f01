"""Tenant entity rules: checked on the way in, cached, refreshed in the background."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.assist import entity_rules
from server.assist.entities import DEFAULT_THRESHOLD
from server.assist.entity_rules import StoredEntityRules, check_entity_type
from server.errors import InvalidInput
from server.store.database import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.connect(f"sqlite+aiosqlite:///{tmp_path / 'rules.db'}")
    await opened.migrate()
    await opened.tenants.create("acme", "Acme", [])
    yield opened
    await opened.aclose()


async def test_a_tenants_types_and_threshold_reach_the_rules(store: Store) -> None:
    rules = StoredEntityRules(store)
    before, default = await rules.rules("acme")
    await store.entity_types.create("acme", name="loyalty_id", pattern=r"LY-\d{6}", confidence=0.9)
    await store.entity_types.set_threshold("acme", 0.6)
    cached, _ = await rules.rules("acme")
    rules.forget("acme")
    after, threshold = await rules.rules("acme")

    assert default == DEFAULT_THRESHOLD
    assert cached == before  # cached until it expires or is forgotten
    assert [r.type for r in after][-1] == "loyalty_id"
    assert threshold == 0.6


async def test_expired_rules_are_used_while_one_refresh_runs(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = StoredEntityRules(store)
    await rules.rules("acme")
    await store.entity_types.set_threshold("acme", 0.5)
    monkeypatch.setattr(entity_rules, "CACHE_SECONDS", 0.0)

    stale = await asyncio.gather(*(rules.rules("acme") for _ in range(5)))
    for _ in range(50):
        await asyncio.sleep(0.01)
        if (await rules.rules("acme"))[1] == 0.5:
            break

    assert {threshold for _, threshold in stale} == {DEFAULT_THRESHOLD}
    assert (await rules.rules("acme"))[1] == 0.5


@pytest.mark.parametrize(
    ("name", "pattern", "confidence", "field"),
    [
        ("Loyalty", r"LY-\d+", 0.9, "name"),
        ("loyalty", "(a+)+$", 0.9, "pattern"),
        ("loyalty", "LY-(", 0.9, "pattern"),
        ("loyalty", "x*", 0.9, "pattern"),
        ("loyalty", r"LY-\d+", 1.5, "confidence"),
    ],
)
def test_bad_types_name_the_field(name: str, pattern: str, confidence: float, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_entity_type(name, pattern, confidence)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a|a)*b",  # a repeated choice: years on forty "a"s, past the (a+)+ text check
        r"((a)+)+b",  # a repetition inside a group that is repeated
        r"(?:x|xy){2,}z",
        r"(?=(?:ab|a)+c)\w",  # inside a look-ahead too
    ],
)
def test_a_pattern_that_repeats_a_choice_is_refused(pattern: str) -> None:
    with pytest.raises(InvalidInput, match="can hang") as raised:
        check_entity_type("ticket", pattern, 0.9)
    assert raised.value.field == "pattern"


@pytest.mark.parametrize(
    "pattern",
    [r"LY-\d{6}", r"\b[A-Z]{2}\d{6,8}\b", r"(?:-|\s)?\d+", r"(\d|[a-f])+h", r"TK(?:-\d)?"],
)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert check_entity_type("ticket", pattern, 0.9).pattern == pattern
