"""Handoff context from the name/value facts a platform attaches to an interaction.

Five9 calls them call-attached variables (``Group.Name`` = value), 8x8 attached data
(``attachedDataKey`` = ``attachedDataValue``). An admin says which names hold the intent, the
summary and the details worth showing; :func:`pick_handoff` reads those out of the facts.

Example::

    >>> names = HandoffNames(intent=("intent",), summary=("summary",), items=("account",))
    >>> parts = pick_handoff([("IVR.intent", "billing"), ("Customer.account", 1001)], names)
    >>> parts.intent, [(item.label, item.value) for item in parts.items]
    ('billing', [('Account', '1001')])
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from providers.models import HandoffItem

# Longest intent or item value, and longest summary, an event carries (providers.models).
FACT_CHARS = 2_000
SUMMARY_CHARS = 20_000
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class HandoffNames:
    """Which fact names hold what. A name without a dot matches that name in any group."""

    intent: tuple[str, ...] = ("intent",)
    summary: tuple[str, ...] = ("summary",)
    items: tuple[str, ...] = ()


class HandoffParts(NamedTuple):
    """The intent, summary and labelled items found among the facts."""

    intent: str | None
    summary: str | None
    items: tuple[HandoffItem, ...]

    def digest(self) -> str:
        """A short stable fingerprint: the same context maps to the same event id."""
        data = [self.intent, self.summary, [(i.label, i.value) for i in self.items]]
        encoded = json.dumps(data, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]


def pick_handoff(facts: Iterable[tuple[str, object]], names: HandoffNames) -> HandoffParts | None:
    """The handoff context in ``facts``, or None when none of the named facts has a value."""
    present = [(name, _text(value)) for name, value in facts]
    present = [(name, value) for name, value in present if value]
    intent = _first(present, names.intent, FACT_CHARS)
    summary = _first(present, names.summary, SUMMARY_CHARS)
    items = tuple(
        HandoffItem(label=label_of(wanted), value=value[:FACT_CHARS])
        for wanted in names.items
        if (value := _first(present, (wanted,), FACT_CHARS)) is not None
    )
    if intent is None and summary is None and not items:
        return None
    return HandoffParts(intent, summary, items)


def label_of(name: str) -> str:
    """A readable label for a fact name: ``Customer.account_number``, ``accountNumber`` →
    ``Account number``."""
    last = name.rsplit(".", 1)[-1]
    words = _CAMEL.sub(" ", last).replace("_", " ").split()
    if not words:
        return name[:100]
    # Acronyms (ANI, DNIS) keep their capitals; other words read as a sentence.
    text = " ".join(word if word.isupper() and len(word) > 1 else word.lower() for word in words)
    return (text[:1].upper() + text[1:])[:100]


def matches(wanted: str, name: str) -> bool:
    """Whether fact ``name`` is the one an admin called ``wanted`` (case-insensitive)."""
    wanted, name = wanted.strip().casefold(), name.strip().casefold()
    if "." in wanted:
        return wanted == name
    return name.rsplit(".", 1)[-1] == wanted


def _first(present: Sequence[tuple[str, str]], wanted: Sequence[str], limit: int) -> str | None:
    for candidate in wanted:
        for name, value in present:
            if matches(candidate, name):
                return value[:limit]
    return None


def _text(value: object) -> str:
    # Platforms send numbers (8x8 phone numbers) and booleans as JSON scalars.
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()
