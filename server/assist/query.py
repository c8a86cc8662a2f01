"""What to search for: weighted turns (a conversation's topic, or what the agent typed)."""

from __future__ import annotations

from dataclasses import dataclass

from server.assist.analysis import terms

# Each older topic turn counts this much less than the one after it: the newest turn says
# what the customer needs now, earlier ones say what it is about (conversation.py).
RECENCY_DECAY = 0.7
# The agent's words help (they often name the product or the fix) but are not the need itself.
AGENT_WEIGHT = 0.3
# Politeness and back-channel words: they name no topic, and "great" or "thanks" would match
# any article that happens to use them.
_PHATIC_LIST = """
    hi hello hey hiya howdy morning afternoon evening good thanks thank thx ty cheers ok okay
    great cool perfect brilliant awesome lovely nice fine sure yes yeah yep yup alright bye
    goodbye please appreciate appreciated much lot anyway hmm um uh oh ah
    """
PHATIC = frozenset(_PHATIC_LIST.split())


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
