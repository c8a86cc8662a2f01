"""Typo repair against a knowledge base's own words ("adress" -> "address", "refnud" -> "refund").

Only a word the knowledge base does not use is repaired, and only to a word it does use that
is one edit away (a letter missing, added, changed, or two letters swapped) and starts with the
same letter: customers rarely mistype the first letter, and the rule keeps real words the
articles happen not to use ("jeans") from turning into ones they do ("means"). The lookup is a
deletion index (each word filed under itself and its one-letter deletions), so a repair is a
handful of dictionary reads. Of several candidates the most frequent word wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from server.assist.analysis import STOPWORDS
from server.assist.query import PHATIC

# Shorter words have too many neighbours one edit away to repair safely.
MIN_LENGTH = 4
# Longer "words" (a pasted blob, a hostile article) are neither repaired nor repair targets:
# a word's deletions are a copy of it per letter, kept in the index, so an article holding one
# 100,000 letter word took 10 GB (a 2 MB one, all the memory there is). Real words are shorter.
MAX_LENGTH = 40
_WORD = re.compile(r"[a-z]+")


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))} | {word}


class Speller:
    """Repairs words from the vocabulary of a set of texts."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(_WORD.findall(text.lower()))
        self._counts = counts
        # A word two letters longer than every indexed word is no edit away from any of them;
        # its deletions would cost quadratic time and memory, hundreds of megabytes for one
        # 20,000 letter "word" in a customer's line.
        self._longest = min(max(map(len, counts), default=0), MAX_LENGTH)
        self._index: dict[str, list[str]] = {}
        for word in counts:
            if MIN_LENGTH <= len(word) <= MAX_LENGTH:
                for key in _deletions(word):
                    self._index.setdefault(key, []).append(word)

    def known(self, word: str) -> bool:
        """Whether the texts use ``word``."""
        return word in self._counts

    def repair(self, word: str) -> str:
        """The word the customer most likely meant, or ``word`` itself."""
        word = word.lower()
        if not MIN_LENGTH <= len(word) <= self._longest + 1:
            return word
        if word in self._counts or not word.isalpha():
            return word
        if word in STOPWORDS or word in PHATIC:
            return word  # "there" is not a typo of "three"
        candidates = {
            candidate
            for key in _deletions(word)
            for candidate in self._index.get(key, ())
            if candidate[0] == word[0] and _one_edit(word, candidate)
        }
        if not candidates:
            return word
        return max(sorted(candidates), key=lambda candidate: self._counts[candidate])

    def repair_text(self, text: str) -> str:
        """``text`` lower-cased with each unknown word repaired where one edit fixes it."""
        return _WORD.sub(lambda m: self.repair(m.group()), text.lower())


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
