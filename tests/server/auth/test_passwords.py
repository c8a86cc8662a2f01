"""Admin password hashing: production argon2id cost by default, a configurable cost, upgrades."""

from __future__ import annotations

import argon2
import pytest
from argon2.profiles import RFC_9106_LOW_MEMORY
from pydantic import ValidationError

from server.auth.passwords import Passwords
from server.config import Settings
from tests.fixtures.app import CHEAP_ARGON2, SECRET

PASSWORD = "correct horse battery staple"


def test_by_default_passwords_are_hashed_with_rfc_9106_low_memory_parameters() -> None:
    passwords = Passwords.from_settings(Settings(secret_key=SECRET))

    used = argon2.extract_parameters(passwords.hash(PASSWORD))

    assert used == RFC_9106_LOW_MEMORY
    assert used.type is argon2.Type.ID
    assert not passwords.below_recommended


def test_the_cost_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUECARD_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("CUECARD_ARGON2_MEMORY_KIB", "8")
    monkeypatch.setenv("CUECARD_ARGON2_PARALLELISM", "1")
    passwords = Passwords.from_settings(Settings(secret_key=SECRET))

    stored = passwords.hash(PASSWORD)
    used = argon2.extract_parameters(stored)

    assert (used.time_cost, used.memory_cost, used.parallelism) == (1, 8, 1)
    assert passwords.verify(stored, PASSWORD)
    assert not passwords.verify(stored, PASSWORD + "!")
    assert passwords.below_recommended


def test_a_hash_made_at_a_lower_cost_is_due_for_rehashing_at_production_cost() -> None:
    cheap = Passwords.from_settings(Settings(secret_key=SECRET, **CHEAP_ARGON2))
    production = Passwords.from_settings(Settings(secret_key=SECRET))

    stored = cheap.hash(PASSWORD)

    assert production.verify(stored, PASSWORD)
    assert production.needs_rehash(stored)
    assert not production.needs_rehash(production.hash(PASSWORD))


def test_memory_too_small_for_the_lanes_is_refused_when_settings_load() -> None:
    with pytest.raises(ValidationError, match="ARGON2_MEMORY_KIB must be at least 8 x"):
        Settings(secret_key=SECRET, argon2_memory_kib=16, argon2_parallelism=4)
