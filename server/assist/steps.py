"""Next-best-action: an article's numbered procedure as a checklist that follows the agent.

``procedures`` finds numbered lists ("1. ...", "2) ...") in a document; ``StepCard`` is one
procedure with the steps done so far. The agent advances it by saying a step (``said``: the
agent's line shares most of a step's distinctive words) or by ticking it in the widget
(``tick``). The next step is the first one not done after the furthest one done.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from pydantic import BaseModel, ConfigDict

from server.assist.analysis import terms
from server.assist.snippets import plain_text
from server.store.models import Document

_NUMBERED = re.compile(r"^\s{0,3}(\d{1,2})[.)]\s+(.+)$")
# The share of a step's words an agent line must use to count as saying that step, and the
# fewest words it must share (a one-word overlap such as "order" proves nothing).
MATCH_SHARE = 0.45
MIN_SHARED = 2
MAX_STEPS = 12


class Procedure(BaseModel):
    """A numbered list of one document: the steps, and the heading they sit under."""

    model_config = ConfigDict(frozen=True)

    heading: str
    steps: tuple[str, ...]


def procedures(document: Document) -> list[Procedure]:
    """Every numbered list of two or more items in the document, in reading order."""
    found: list[Procedure] = []
    heading, current, expected = document.title, [], 1
    for line in document.body.splitlines():
        match = _NUMBERED.match(line)
        if match and int(match[1]) == expected:
            current.append(plain_text(match[2]))
            expected += 1
            continue
        if current and (line.strip() == "" or line.startswith((" ", "\t"))):
            continue  # a blank line or an indented continuation inside the list
        _close(found, heading, current)
        current, expected = [], 1
        if line.startswith("#") or (
            line.strip() and len(line.split()) <= 8 and line[-1:] not in ".:"
        ):
            heading = line.lstrip("# ").strip()
    _close(found, heading, current)
    return found


def _close(found: list[Procedure], heading: str, steps: list[str]) -> None:
    if len(steps) >= 2:
        found.append(Procedure(heading=heading, steps=tuple(steps[:MAX_STEPS])))


def best_procedure(options: list[Procedure], stems: Collection[str]) -> Procedure | None:
    """The procedure whose heading and steps share most words with the conversation."""
    if not options:
        return None

    def overlap(procedure: Procedure) -> int:
        words = set(terms(" ".join((procedure.heading, *procedure.steps))))
        return len(words & set(stems))

    return max(options, key=overlap)


class StepCard(BaseModel):
    """A procedure on screen for one conversation, with the steps the agent has done."""

    model_config = ConfigDict(frozen=True)

    document_id: str
    title: str
    heading: str
    steps: tuple[str, ...]
    done: tuple[bool, ...]

    @classmethod
    def start(cls, document_id: str, title: str, procedure: Procedure) -> StepCard:
        """A fresh checklist: nothing done."""
        return cls(
            document_id=document_id,
            title=title,
            heading=procedure.heading,
            steps=procedure.steps,
            done=(False,) * len(procedure.steps),
        )

    @property
    def next(self) -> int | None:
        """The step to do next (0-based), or None when every step is done."""
        furthest = max((i for i, done in enumerate(self.done) if done), default=-1)
        after = [i for i in range(furthest + 1, len(self.steps)) if not self.done[i]]
        before = [i for i in range(furthest) if not self.done[i]]
        return (after or before or [None])[0]

    def said(self, text: str) -> StepCard:
        """The card after the agent said ``text``: the step it matches best is done."""
        spoken = set(terms(text))
        best, best_share = None, 0.0
        for index, step in enumerate(self.steps):
            words = set(terms(step))
            shared = len(words & spoken)
            share = shared / len(words) if words else 0.0
            if (
                shared >= min(MIN_SHARED, len(words))
                and share >= MATCH_SHARE
                and share > best_share
            ):
                best, best_share = index, share
        return self if best is None else self.tick(best, True)

    def tick(self, index: int, done: bool) -> StepCard:
        """The card with step ``index`` marked done or not done."""
        marks = list(self.done)
        marks[index] = done
        return self.model_copy(update={"done": tuple(marks)})

    def payload(self, conversation_id: str) -> dict[str, object]:
        """The ``steps`` event for the widget (docs/socketio.md)."""
        return {
            "conversation_id": conversation_id,
            "document_id": self.document_id,
            "title": self.title,
            "heading": self.heading,
            "steps": [
                {"text": text, "done": done}
                for text, done in zip(self.steps, self.done, strict=True)
            ],
            "next": self.next,
        }
