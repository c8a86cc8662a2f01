"""What to search for: the live conversation's recent turns, weighted, without small talk."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from providers.models import Speaker
from server.assist.analysis import terms
from server.conversation import Line

# Each older customer turn counts this much less than the one after it: the newest turn says
# what the customer needs now, earlier ones say what it is about.
RECENCY_DECAY = 0.7
# The agent's words help (they often name the product or the fix) but are not the need itself.
AGENT_WEIGHT = 0.3
# Beyond a few turns back a conversation has usually moved on.
CUSTOMER_TURNS = 4
# Politeness and back-channel words: they name no topic, and "great" or "thanks" would match
# any article that happens to use them.
_PHATIC_LIST = """
    hi hello hey hiya howdy morning afternoon evening good thanks thank thx ty cheers ok okay
    great cool perfect brilliant awesome lovely nice fine sure yes yeah yep yup alright bye
    goodbye please appreciate appreciated much lot anyway hmm um uh oh ah
    """
PHATIC = frozenset(_PHATIC_LIST.split())
_PHATIC_WORD = re.compile(r"(?i)\b(" + "|".join(sorted(PHATIC)) + r")\b")


@dataclass(frozen=True, slots=True)
class Turn:
    """Text to search for, and how much it counts."""

    text: str
    weight: float


@dataclass(frozen=True, slots=True)
class Query:
    """Weighted turns, newest first. The lexical leg reads their terms, the dense leg their text."""

    turns: tuple[Turn, ...]

    def __bool__(self) -> bool:
        return bool(self.turns)

    def term_groups(self) -> list[tuple[float, list[str]]]:
        """Each term once, at the weight of the heaviest turn that used it, grouped by weight.

        Repeating a word across turns should not make it count twice: the customer saying
        "router" three times is still asking about one router.
        """
        weight_of: dict[str, float] = {}
        for turn in self.turns:
            for term in terms(turn.text):
                weight_of[term] = max(weight_of.get(term, 0.0), turn.weight)
        groups: dict[float, list[str]] = {}
        for term, weight in weight_of.items():
            groups.setdefault(weight, []).append(term)
        return sorted(groups.items(), reverse=True)

    def stems(self) -> set[str]:
        """Every query term, for highlighting."""
        return {term for turn in self.turns for term in terms(turn.text)}


def typed_query(text: str) -> Query:
    """A query the agent typed: taken as it is, politeness words included."""
    return Query((Turn(text, 1.0),) if terms(text) else ())


def conversation_query(lines: Sequence[Line]) -> Query:
    """The query for a conversation's latest customer turn; empty when that turn is small talk.

    A turn is weighted ``RECENCY_DECAY ** age``, where age counts the customer turns after it,
    times ``AGENT_WEIGHT`` for the agent's turns; bot and system lines are left out.
    """
    turns: list[Turn] = []
    age = 0
    for line in reversed(lines):
        if line.speaker not in (Speaker.CUSTOMER, Speaker.AGENT):
            continue
        text = without_small_talk(line.text)
        if line.speaker is Speaker.CUSTOMER:
            if age == 0 and not text:
                # Nothing new to look up: "thanks so much" must not re-rank the cards.
                return Query(())
            age += 1
            if age > CUSTOMER_TURNS:
                break
        if text:
            factor = 1.0 if line.speaker is Speaker.CUSTOMER else AGENT_WEIGHT
            turns.append(Turn(text, factor * RECENCY_DECAY ** max(age - 1, 0)))
    return Query(tuple(turns))


def without_small_talk(text: str) -> str:
    """The text with phatic words removed; empty if nothing with a topic is left."""
    stripped = " ".join(_PHATIC_WORD.sub(" ", text).split())
    return stripped if terms(stripped) else ""
