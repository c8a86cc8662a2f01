"""Admin passwords: argon2id hashes (argon2-cffi), verified in about constant time."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

from server.config import Settings
from server.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024


def check_strength(password: str, *, field: str = "password") -> None:
    """:class:`InvalidInput` naming ``field`` unless the password is long enough to keep."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"must be at least {MIN_LENGTH} characters", field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"must be at most {MAX_LENGTH} characters", field=field)


class Passwords:
    """Hashes new passwords and checks given ones against stored hashes."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Checked when an account does not exist, so a miss costs what a wrong password does.
        self._decoy = self._hasher.hash("cuecard decoy password")

    @classmethod
    def from_settings(cls, settings: Settings) -> Passwords:
        """Hashing at the configured argon2id cost (RFC 9106 low-memory unless changed)."""
        hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        return cls(hasher)

    @property
    def below_recommended(self) -> bool:
        """Cheaper than argon2-cffi's RFC 9106 low-memory profile (fine for tests only)."""
        profile = RFC_9106_LOW_MEMORY
        return (
            self._hasher.time_cost < profile.time_cost
            or self._hasher.memory_cost < profile.memory_cost
        )

    def hash(self, password: str) -> str:
        """The argon2id hash to store; the password itself is never kept."""
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; ``None`` (no account) never matches."""
        try:
            self._hasher.verify(stored or self._decoy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return stored is not None

    def needs_rehash(self, stored: str) -> bool:
        """The hash was made with weaker parameters than today's."""
        return self._hasher.check_needs_rehash(stored)
