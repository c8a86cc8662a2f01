"""The card-set policy: which cards the widget shows for the conversation's current topic.

Within one topic a card already on screen keeps its place while it stays relevant: it is
ranked with a small bonus (``INCUMBENT_BONUS``), so a newcomer must beat it clearly rather
than by noise between two similar rankings. A new topic starts from a clean slate. Memory is
per process and bounded (LRU), like the indexes it sits next to.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

# Conversations past this many are forgotten oldest-first; a forgotten one just loses the
# incumbency of its cards. Bounds memory on a long-running process.
MAX_CONVERSATIONS = 10_000
# How much more an incumbent card's fused score counts when the set is re-ranked.
INCUMBENT_BONUS = 0.05
# An incumbent stays only while it is among this many candidates of the new ranking.
RELEVANT_DEPTH = 6

Key = tuple[str, str]


@dataclass
class _Shown:
    topic_id: str | None
    documents: list[str] = field(default_factory=list)
    listening: bool = False


class CardSetPolicy:
    """Per-conversation record of the set on screen, and the rule that picks the next one."""

    def __init__(self, max_conversations: int = MAX_CONVERSATIONS) -> None:
        self._shown: OrderedDict[Key, _Shown] = OrderedDict()
        self._max = max_conversations

    def __len__(self) -> int:
        return len(self._shown)

    def shown(self, key: Key) -> list[str]:
        """The documents on screen for a conversation, top first."""
        state = self._shown.get(key)
        return list(state.documents) if state is not None else []

    def shown_for(self, key: Key, topic_id: str | None) -> bool:
        """Whether cards of this topic are on screen."""
        state = self._shown.get(key)
        return state is not None and state.topic_id == topic_id and bool(state.documents)

    def listen(self, key: Key) -> bool:
        """Nothing to show yet; True the first time, when the widget should be told."""
        state = self._state(key, None)
        if state.documents or state.listening:
            return False
        state.listening = True
        return True

    def choose(
        self, key: Key, topic_id: str | None, ranked: Sequence[tuple[str, float]], limit: int
    ) -> list[str]:
        """The next set from a ranking of (document, score), and remember it as shown."""
        state = self._state(key, topic_id)
        incumbents = set(state.documents) if state.topic_id == topic_id else set()
        candidates = list(ranked[: max(limit, RELEVANT_DEPTH)])
        order = sorted(
            candidates,
            key=lambda item: -item[1] * (1 + INCUMBENT_BONUS * (item[0] in incumbents)),
        )
        chosen = [document for document, _ in order[:limit]]
        state.topic_id, state.documents, state.listening = topic_id, chosen, False
        return chosen

    def clear(self, key: Key) -> None:
        """The set on screen was replaced by nothing (an abstention)."""
        state = self._state(key, None)
        state.documents = []

    def _state(self, key: Key, topic_id: str | None) -> _Shown:
        state = self._shown.get(key)
        if state is None:
            state = self._shown[key] = _Shown(topic_id)
            while len(self._shown) > self._max:
                self._shown.popitem(last=False)
        self._shown.move_to_end(key)
        return state
