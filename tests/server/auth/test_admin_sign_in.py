"""Admin sign-in gives nothing away and cannot be turned against the real admin."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from server.auth.admins import AdminService
from server.auth.passwords import Passwords
from server.auth.throttle import ADDRESS_FREE_FAILURES, PAIR_FREE_FAILURES, LoginThrottle
from server.cli.common import open_store
from server.errors import TooManyAttempts, Unauthenticated
from server.store import Store

PASSWORD = "correct horse battery staple"
ADMIN = "root@example.com"


class RecordingPasswords(Passwords):
    """The real hasher, noting which thread each verification ran on."""

    def __init__(self) -> None:
        super().__init__(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        self.verified_on: list[int] = []

    def verify(self, stored: str | None, password: str) -> bool:
        self.verified_on.append(threading.get_ident())
        return super().verify(stored, password)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(f"sqlite+aiosqlite:///{tmp_path / 'admins.db'}") as store:
        yield store


@pytest.fixture
def passwords() -> RecordingPasswords:
    return RecordingPasswords()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def admins(store: Store, passwords: RecordingPasswords, clock: Clock) -> AdminService:
    service = AdminService(store, passwords, LoginThrottle(clock))
    await service.create(ADMIN, PASSWORD, role="platform", tenant_id=None)
    return service


async def test_an_unknown_email_costs_the_same_hash_as_a_wrong_password(
    admins: AdminService, passwords: RecordingPasswords
) -> None:
    with pytest.raises(Unauthenticated) as unknown:
        await admins.sign_in("nobody@example.com", PASSWORD, client="198.51.100.1")
    after_unknown = len(passwords.verified_on)
    with pytest.raises(Unauthenticated) as wrong:
        await admins.sign_in(ADMIN, "wrong password!!", client="198.51.100.1")

    assert after_unknown == 1
    assert len(passwords.verified_on) == 2
    assert unknown.value.message == wrong.value.message


async def test_passwords_are_verified_off_the_event_loop(
    admins: AdminService, passwords: RecordingPasswords
) -> None:
    await admins.sign_in(ADMIN, PASSWORD, client="198.51.100.1")

    assert passwords.verified_on
    assert threading.get_ident() not in passwords.verified_on


async def test_failing_on_purpose_does_not_lock_the_admin_out_elsewhere(
    admins: AdminService,
) -> None:
    attacker, office = "203.0.113.66", "198.51.100.7"
    for _ in range(PAIR_FREE_FAILURES + 3):
        with contextlib.suppress(Unauthenticated, TooManyAttempts):
            await admins.sign_in(ADMIN, "guessing wrong", client=attacker)

    with pytest.raises(TooManyAttempts):
        await admins.sign_in(ADMIN, PASSWORD, client=attacker)
    signed_in = await admins.sign_in(ADMIN, PASSWORD, client=office)

    assert signed_in.email == ADMIN


async def test_one_address_guessing_many_emails_is_slowed(admins: AdminService) -> None:
    guesser = "203.0.113.66"
    for index in range(ADDRESS_FREE_FAILURES):
        with pytest.raises(Unauthenticated):
            await admins.sign_in(f"user{index}@example.com", "guessing wrong", client=guesser)

    with pytest.raises(TooManyAttempts):
        await admins.sign_in("someone-new@example.com", "guessing wrong", client=guesser)
    with pytest.raises(TooManyAttempts):
        await admins.sign_in(ADMIN, PASSWORD, client=guesser)
    assert (await admins.sign_in(ADMIN, PASSWORD, client="198.51.100.7")).email == ADMIN


async def test_the_wait_ends(admins: AdminService, clock: Clock) -> None:
    client = "203.0.113.66"
    for _ in range(PAIR_FREE_FAILURES):
        with pytest.raises(Unauthenticated):
            await admins.sign_in(ADMIN, "guessing wrong", client=client)
    with pytest.raises(TooManyAttempts) as waiting:
        await admins.sign_in(ADMIN, PASSWORD, client=client)

    clock.now += waiting.value.retry_after

    assert (await admins.sign_in(ADMIN, PASSWORD, client=client)).email == ADMIN
