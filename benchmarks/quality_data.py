"""Inputs of the quality benchmark: the evaluation set, the demo knowledge base and the engine."""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_type_hints

from server.assist.base import Assistant
from server.kb.loader import load_folder
from server.store.models import Document, KnowledgeBase
from server.wiring import Services

ROOT = Path(__file__).resolve().parents[1]
DEMO_KB = ROOT / "server" / "demo" / "kb"
EVAL_SET = Path(__file__).resolve().parent / "data" / "eval_conversations.jsonl"
TENANT = "quality-bench"
KB_ID = "kb-quality-bench"

SpeakerName = Literal["customer", "agent"]

# Words that make up greetings and pleasantries; a customer turn made only of these says
# nothing about the problem yet, so "first-turn" figures skip it.
_PLEASANTRY_WORDS = """
    hi hello hey hiya heya hallo yo morning afternoon evening good there anyone someone
    thanks thank you ta cheers ok okay yes yeah yep um uh erm er hmm please can i is
    are you hear me help need a bit of quick question so right oh
"""
_PLEASANTRIES = frozenset(_PLEASANTRY_WORDS.split())
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True, slots=True)
class Turn:
    """One line of a scripted conversation."""

    speaker: SpeakerName
    text: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """A scripted conversation and the article an agent should be shown for it."""

    id: str
    gold: str
    turns: tuple[Turn, ...]
    notes: str

    @property
    def customer_turns(self) -> list[int]:
        """Indexes into ``turns`` of the customer's turns, in order."""
        return [n for n, turn in enumerate(self.turns) if turn.speaker == "customer"]


def is_substantive(text: str) -> bool:
    """Whether a customer turn says anything beyond greetings and pleasantries."""
    return any(word not in _PLEASANTRIES for word in _WORD.findall(text.lower()))


def load_conversations(path: Path = EVAL_SET) -> list[Conversation]:
    """Read the evaluation set: one JSON object per non-blank line."""
    conversations = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip():
            conversations.append(_conversation(json.loads(raw), f"{path.name}:{number}"))
    return conversations


def _conversation(item: dict[str, Any], where: str) -> Conversation:
    turns = tuple(Turn(turn["speaker"], turn["text"]) for turn in item["turns"])
    if any(turn.speaker not in ("customer", "agent") for turn in turns):
        raise ValueError(f"{where}: speakers must be 'customer' or 'agent'")
    if not any(turn.speaker == "customer" for turn in turns):
        raise ValueError(f"{where}: no customer turn")
    return Conversation(str(item["id"]), str(item["gold"]), turns, str(item.get("notes", "")))


def demo_documents(folder: Path = DEMO_KB) -> tuple[KnowledgeBase, list[Document]]:
    """The demo articles through the real loader, as stored documents of a made-up tenant."""
    now = datetime.now(UTC)
    kb = KnowledgeBase(id=KB_ID, tenant_id=TENANT, name="Demo", is_default=True, created_at=now)
    documents = [
        Document(
            id=f"doc-{number}",
            kb_id=KB_ID,
            tenant_id=TENANT,
            external_id=item.external_id,
            title=item.title,
            body=item.body,
            url=str(item.url) if item.url else None,
            tags=item.tags,
            updated_at=now,
        )
        for number, item in enumerate(load_folder(folder), start=1)
    ]
    return kb, documents


def default_engine_class() -> type[Any]:
    """The class the server builds as its knowledge engine: ``Services.assistant``'s type.

    Read from the service graph (``server/wiring.py``), so the benchmark follows the server
    when the engine is replaced without anyone having to remember this file.
    """
    engine = get_type_hints(Services)["assistant"]
    if not inspect.isclass(engine):
        raise RuntimeError(f"server.wiring.Services.assistant is {engine!r}, not a class")
    return engine


def build_engine() -> Assistant:
    """A fresh instance of the server's default knowledge engine."""
    engine_class = default_engine_class()
    try:
        engine: Assistant = engine_class()
    except TypeError as err:
        # The server builds it with arguments now; mirror them here rather than guess.
        raise RuntimeError(
            f"{engine_class.__name__} needs constructor arguments; update build_engine() in "
            "benchmarks/quality_data.py to pass what server/wiring.py passes"
        ) from err
    return engine
