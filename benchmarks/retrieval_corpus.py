"""A synthetic knowledge base for the retrieval benchmark, generated from the demo KB's words.

A word-bigram model of the demo articles writes passages that read like help-centre text (the
same vocabulary, word frequencies and phrase shapes), so BM25 posting lists and embedding
neighbourhoods look like a real knowledge base's, at any size. Seeded, hence repeatable.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from server.kb.loader import load_folder
from server.store.models import Document

DEMO = Path(__file__).resolve().parents[1] / "server" / "demo"
_TOKEN = re.compile(r"[A-Za-z£0-9][\w'£.-]*[\w£]|[A-Za-z0-9]")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Corpus:
    """Bigram text generator over the demo knowledge base."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._next: dict[str, list[str]] = defaultdict(list)
        self._starts: list[str] = []
        for item in load_folder(DEMO / "kb"):
            for paragraph in re.split(r"\n\s*\n", item.body):
                words = _TOKEN.findall(paragraph)
                if len(words) > 1:
                    self._starts.append(words[0])
                for first, second in itertools.pairwise(words):
                    self._next[first].append(second)

    def passage(self, words: int) -> str:
        """About ``words`` words of demo-like text, one paragraph."""
        out = [self._rng.choice(self._starts)]
        while len(out) < words:
            followers = self._next.get(out[-1])
            out.append(self._rng.choice(followers) if followers else self._rng.choice(self._starts))
        return " ".join(out) + "."

    def documents(self, count: int) -> list[Document]:
        """``count`` one-passage documents (50-110 words each), so chunks == documents."""
        return [
            Document(
                id=f"doc-{n}",
                kb_id="bench",
                tenant_id="bench",
                external_id=f"doc-{n}",
                title=self.passage(self._rng.randint(3, 7)).rstrip(".").capitalize(),
                body=self.passage(self._rng.randint(50, 110)),
                updated_at=NOW,
            )
            for n in range(count)
        ]

    def queries(self, count: int) -> list[str]:
        """Half generated phrases, half real customer lines from the demo conversations."""
        customer = [
            turn["text"]
            for path in sorted((DEMO / "conversations").glob("*.json"))
            for turn in json.loads(path.read_text(encoding="utf-8"))["turns"]
            if turn.get("speaker") == "customer"
        ]
        return [
            self.passage(self._rng.randint(3, 8)) if n % 2 else self._rng.choice(customer)
            for n in range(count)
        ]
