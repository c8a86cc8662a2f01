"""What each live conversation has already been shown, so cards are not repeated."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

# Conversations past this many are forgotten oldest-first; a forgotten conversation may see an
# article again, which is harmless. Bounds memory on a long-running process.
MAX_CONVERSATIONS = 10_000
# A conversation rarely needs more articles than this; the oldest are forgotten first.
MAX_DOCUMENTS = 64

Key = tuple[str, str]


class SuggestionMemory:
    """Per-conversation record of suggested documents, bounded in both directions (LRU)."""

    def __init__(
        self, max_conversations: int = MAX_CONVERSATIONS, max_documents: int = MAX_DOCUMENTS
    ) -> None:
        self._shown: OrderedDict[Key, OrderedDict[str, None]] = OrderedDict()
        self._max_conversations = max_conversations
        self._max_documents = max_documents

    def __len__(self) -> int:
        return len(self._shown)

    def select(self, key: Key, ranked: Sequence[str], limit: int) -> list[int]:
        """Positions in ``ranked`` to show now, and remember them as shown.

        A document already shown is skipped, unless it is the best match now: the card that
        answers the current turn always comes first, even if the agent saw it before.
        """
        shown = self._conversation(key)
        chosen = [i for i, doc in enumerate(ranked) if i == 0 or doc not in shown][:limit]
        for i in chosen:
            shown[ranked[i]] = None
            shown.move_to_end(ranked[i])
        while len(shown) > self._max_documents:
            shown.popitem(last=False)
        return chosen

    def count(self, key: Key) -> int:
        """How many documents the conversation has been shown (up to the bound)."""
        shown = self._shown.get(key)
        return len(shown) if shown is not None else 0

    def _conversation(self, key: Key) -> OrderedDict[str, None]:
        shown = self._shown.get(key)
        if shown is None:
            shown = self._shown[key] = OrderedDict()
            while len(self._shown) > self._max_conversations:
                self._shown.popitem(last=False)
        self._shown.move_to_end(key)
        return shown
