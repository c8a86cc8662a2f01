"""Fit the card-set confidence (server/assist/confidence.py) on the tuning conversations.

Run from the repository root::

    .venv/bin/python benchmarks/calibrate.py

For each tuning conversation it reads the final topic the way the engine does
(``conversation.read_conversation``) and searches both benchmark knowledge bases with it. The
top card's evidence (coverage, cosine) is a positive when the conversation's own knowledge base
has the right article in the top 3, and a negative when it does not, or when the knowledge base
is the other one (a request it cannot answer). A logistic regression is fitted by Newton's
method; the printed threshold keeps 99 % of the positives. The held-out set is never read.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from quality_data import KNOWLEDGE_BASES, Conversation, load_set

from providers.models import Speaker
from server.assist.conversation import read_conversation
from server.assist.dense import WordLlamaEncoder
from server.assist.index import Hit, KnowledgeIndex
from server.conversation import Line
from server.kb.loader import load_folder
from server.store.models import Document

KEEP = 0.99
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def index_of(kb: str) -> KnowledgeIndex:
    """One benchmark knowledge base, indexed as the server indexes it."""
    now = datetime.now(UTC)
    documents = [
        Document(
            id=f"{kb}-{n}",
            kb_id=kb,
            tenant_id=kb,
            external_id=item.external_id,
            title=item.title,
            body=item.body,
            updated_at=now,
        )
        for n, item in enumerate(load_folder(KNOWLEDGE_BASES[kb]))
    ]
    return KnowledgeIndex.build(documents, WordLlamaEncoder())


def lines_of(conversation: Conversation) -> list[Line]:
    """The whole conversation as transcript lines."""
    return [
        Line(
            seq=n,
            event_id=f"e{n}",
            speaker=Speaker(turn.speaker),
            text=turn.text,
            occurred_at=START + timedelta(seconds=n),
        )
        for n, turn in enumerate(conversation.turns, start=1)
    ]


def evidence(index: KnowledgeIndex, conversation: Conversation) -> tuple[list[Hit], bool]:
    """The top 3 for the conversation's final topic, and whether the topic was a request."""
    reading = read_conversation(lines_of(conversation), index.share, index.speller.repair_text)
    if not reading.requested or not reading.query:
        return [], False
    return index.search(reading.query, 3, WordLlamaEncoder()), True


def samples(conversations: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
    """Features (coverage, cosine) and labels of the top card of every search."""
    indexes = {kb: index_of(kb) for kb in KNOWLEDGE_BASES}
    rows, labels = [], []
    for conversation in conversations:
        for kb, index in indexes.items():
            hits, asked = evidence(index, conversation)
            if not asked or not hits:
                continue
            right = kb == conversation.kb and conversation.gold in [
                hit.document.external_id for hit in hits
            ]
            rows.append((hits[0].coverage, hits[0].cosine))
            labels.append(1.0 if right else 0.0)
    return np.array(rows), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray, steps: int = 50) -> np.ndarray:
    """Logistic regression coefficients (intercept first) by Newton's method, lightly ridged."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (p - y) + 1e-3 * beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + 1e-3 * np.eye(len(beta))
        beta -= np.linalg.solve(hessian, gradient)
    return beta


def main() -> int:
    """Fit and print the constants for server/assist/confidence.py."""
    x, y = samples(load_set("tuning"))
    beta = fit(x, y)
    p = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    threshold = float(np.quantile(p[y == 1], 1 - KEEP))
    negatives = p[y == 0]
    print(f"samples: {int(y.sum())} positive, {int((1 - y).sum())} negative")
    print(f"INTERCEPT = {beta[0]:.3f}")
    print(f"COVERAGE_WEIGHT = {beta[1]:.3f}")
    print(f"COSINE_WEIGHT = {beta[2]:.3f}")
    print(f"THRESHOLD = {threshold:.3f}")
    print(f"negatives below the threshold: {(negatives < threshold).mean():.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
