"""Builders for knowledge-engine tests: documents, knowledge bases, lines and a counting encoder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from providers.models import Speaker
from server.assist.dense import Vectors, WordLlamaEncoder
from server.conversation import Line
from server.store.models import Document, KnowledgeBase

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def document(
    external_id: str, title: str, body: str, *, kb_id: str = "kb-acme", tenant_id: str = "acme"
) -> Document:
    """A stored document of a knowledge base."""
    return Document(
        id=f"{kb_id}:{external_id}",
        kb_id=kb_id,
        tenant_id=tenant_id,
        external_id=external_id,
        title=title,
        body=body,
        url=f"https://{tenant_id}.example/kb/{external_id}",
        updated_at=NOW,
    )


def knowledge_base(kb_id: str, tenant_id: str, *, is_default: bool = True) -> KnowledgeBase:
    """A knowledge base record."""
    return KnowledgeBase(
        id=kb_id, tenant_id=tenant_id, name=kb_id, is_default=is_default, created_at=NOW
    )


def lines(*turns: tuple[str, str]) -> list[Line]:
    """Transcript lines from (speaker, text) pairs, oldest first."""
    return [
        Line(event_id=f"e{seq}", speaker=Speaker(speaker), text=text, occurred_at=NOW, seq=seq)
        for seq, (speaker, text) in enumerate(turns, start=1)
    ]


class CountingEncoder(WordLlamaEncoder):
    """The real encoder, counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> Vectors:
        self.embedded.extend(texts)
        return super().embed(texts)


@pytest.fixture
def encoder() -> CountingEncoder:
    return CountingEncoder()
