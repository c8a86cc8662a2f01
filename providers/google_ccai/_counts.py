"""What a Google CCAI adapter has seen, for the admin's health view and the tests."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from providers.errors import PayloadInvalid
from providers.google_ccai.mapping import KNOWN_TYPES, Mapped


class SourceCounts(BaseModel):
    """Message counts since the adapter started; ``pending`` are held and not yet settled."""

    model_config = ConfigDict(frozen=True)

    received: int
    acknowledged: int
    given_back: int
    unknown: int
    empty: int
    rejected: int
    pending: int
    last_rejection: str | None


@dataclass
class Counts:
    """The running tally behind :class:`SourceCounts`."""

    received: int = 0
    acknowledged: int = 0
    given_back: int = 0
    # Types cuecard does not know (dropped), and known ones with nothing to show.
    unknown: int = 0
    empty: int = 0
    rejected: int = 0
    last_rejection: str | None = None

    def mapped(self, mapped: Mapped) -> None:
        """Count one decoded message by what it became."""
        self.received += 1
        if mapped.type not in KNOWN_TYPES:
            self.unknown += 1
        elif not mapped.events:
            self.empty += 1

    def reject(self, error: PayloadInvalid) -> None:
        """Count one message that can never be mapped."""
        self.received += 1
        self.rejected += 1
        self.last_rejection = str(error)

    def snapshot(self, pending: int) -> SourceCounts:
        """The counts as they stand."""
        return SourceCounts(
            received=self.received,
            acknowledged=self.acknowledged,
            given_back=self.given_back,
            unknown=self.unknown,
            empty=self.empty,
            rejected=self.rejected,
            pending=pending,
            last_rejection=self.last_rejection,
        )
