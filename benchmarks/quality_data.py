"""Inputs of the quality benchmark: the evaluation sets and the knowledge bases they are about."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
# Each conversation names the knowledge base it is about; each gets its own tenant.
KNOWLEDGE_BASES = {
    "demo": ROOT / "server" / "demo" / "kb",
    "retail": DATA / "kb_retail",
}
EVAL_SET = DATA / "eval_conversations.jsonl"
# The tuning sets were looked at while the engine was built; the held-out set was written at
# the same time and only ever scored as a whole (docs/quality.md, "Held-out split"). The
# second held-out set was written later, before the entity work it measures, and is likewise
# only scored as a whole.
SETS: dict[str, tuple[Path, ...]] = {
    "legacy": (EVAL_SET,),
    "followup": (DATA / "followup_demo.jsonl", DATA / "followup_retail.jsonl"),
    "heldout": (DATA / "heldout_demo.jsonl", DATA / "heldout_retail.jsonl"),
    "heldout2": (DATA / "heldout2_demo.jsonl", DATA / "heldout2_retail.jsonl"),
}
SETS["tuning"] = SETS["legacy"] + SETS["followup"]
SETS["all"] = SETS["tuning"] + SETS["heldout"] + SETS["heldout2"]
ENTITY_TYPES = ("order_id", "account_id", "email", "phone", "amount", "date", "product")

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
class Checkpoint:
    """After the agent turn ``after``, the step card should highlight step ``next`` (1-based);
    0 means every step is done."""

    after: int
    next: int


@dataclass(frozen=True, slots=True)
class Entity:
    """A detail the customer gave, as annotated: its type and the words that say it."""

    type: str
    value: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """A scripted conversation and what an agent should be shown for it."""

    id: str
    gold: str
    kb: str
    turns: tuple[Turn, ...]
    notes: str
    # Customer turns that open the conversation without saying what it is about.
    openings: tuple[int, ...] = ()
    steps: tuple[Checkpoint, ...] = ()
    entities: tuple[Entity, ...] = ()
    # Whether the details were annotated (the legacy set predates entity annotation).
    annotated: bool = False

    @property
    def customer_turns(self) -> list[int]:
        """Indexes into ``turns`` of the customer's turns, in order."""
        return [n for n, turn in enumerate(self.turns) if turn.speaker == "customer"]


def is_substantive(text: str) -> bool:
    """Whether a customer turn says anything beyond greetings and pleasantries."""
    return any(word not in _PLEASANTRIES for word in _WORD.findall(text.lower()))


def load_set(name: str) -> list[Conversation]:
    """Every conversation of a named set (``legacy``, ``followup``, ``tuning``, ``heldout``...)."""
    return [conversation for path in SETS[name] for conversation in load_conversations(path)]


def load_conversations(path: Path = EVAL_SET) -> list[Conversation]:
    """Read an evaluation file: one JSON object per non-blank line."""
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
    kb = str(item.get("kb", "demo"))
    if kb not in KNOWLEDGE_BASES:
        raise ValueError(f"{where}: unknown knowledge base {kb!r}")
    openings = tuple(int(n) for n in item.get("openings", ()))
    if any(turns[n].speaker != "customer" for n in openings):
        raise ValueError(f"{where}: an opening must be a customer turn")
    steps = tuple(Checkpoint(int(s["after"]), int(s["next"])) for s in item.get("steps", ()))
    if any(turns[s.after].speaker != "agent" for s in steps):
        raise ValueError(f"{where}: a step checkpoint must follow an agent turn")
    entities = tuple(Entity(e["type"], e["value"]) for e in item.get("entities", ()))
    if any(e.type not in ENTITY_TYPES for e in entities):
        raise ValueError(f"{where}: entity types are {', '.join(ENTITY_TYPES)}")
    return Conversation(
        id=str(item["id"]),
        gold=str(item["gold"]),
        kb=kb,
        turns=turns,
        notes=str(item.get("notes", "")),
        openings=openings,
        steps=steps,
        entities=entities,
        annotated="kb" in item,
    )
