"""Next-best-action: an article's numbered procedure as a checklist that follows the agent.

``procedures`` finds numbered lists ("1. ...", "2) ...") in a document; ``StepCard`` is one
procedure with the steps done so far. The agent advances it by saying a step (``said``: the
agent's line shares most of a step's distinctive words) or by ticking it in the widget
(``tick``). The next step is the first one not done after the furthest one done.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection

from pydantic import BaseModel, ConfigDict

from server.assist.analysis import terms
from server.assist.snippets import plain_text
from server.store.models import Document

_NUMBERED = re.compile(r"^\s{0,3}(\d{1,2})[.)]\s+(.+)$")
# How much an agent line must share with a step to count as saying it (see StepCard.said).
MATCH_SCORE = 2.0
NEXT_BONUS = 0.75
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


def best_procedure(
    options: list[Procedure], stems: Callable[[], Collection[str]]
) -> Procedure | None:
    """The procedure whose heading and steps share most words with the conversation.

    ``stems`` is called only when there is a choice to make (most articles have one list).
    """
    if len(options) <= 1:
        return options[0] if options else None
    said = set(stems())

    def overlap(procedure: Procedure) -> int:
        words = set(terms(" ".join((procedure.heading, *procedure.steps))))
        return len(words & said)

    return max(options, key=overlap)


class StepCard(BaseModel):
    """A procedure on screen for one conversation, with the steps the agent has done."""

    model_config = ConfigDict(frozen=True)

    document_id: str
    title: str
    heading: str
    # The topic the card was shown for: within it, a card the agent has started stays.
    topic_id: str | None = None
    steps: tuple[str, ...]
    done: tuple[bool, ...]

    @classmethod
    def start(
        cls, document_id: str, title: str, procedure: Procedure, topic_id: str | None = None
    ) -> StepCard:
        """A fresh checklist: nothing done."""
        return cls(
            document_id=document_id,
            title=title,
            topic_id=topic_id,
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
        pending = after or before
        return pending[0] if pending else None

    def said(self, text: str) -> StepCard:
        """The card after the agent said ``text``: the step it matches best is done.

        A shared word counts 1 if only that step uses it and half if other steps do too; the
        step due next gets NEXT_BONUS, as agents mostly go in order; a step matches with
        MATCH_SCORE, so one common word ("order") never advances the card.
        """
        spoken = set(terms(text))
        words = [set(terms(step)) for step in self.steps]
        uses = Counter(word for step in words for word in step)
        scores = [sum(1.0 if uses[w] == 1 else 0.5 for w in step & spoken) for step in words]
        due = self.next
        if due is not None and scores[due] > 0:
            scores[due] += NEXT_BONUS
        best = max(range(len(scores)), key=lambda i: (scores[i], not self.done[i], -i))
        return self.tick(best, True) if scores[best] >= MATCH_SCORE else self

    def tick(self, index: int, done: bool) -> StepCard:
        """The card with step ``index`` marked done or not done."""
        marks = list(self.done)
        marks[index] = done
        return self.model_copy(update={"done": tuple(marks)})

    @property
    def started(self) -> bool:
        """Whether any step is done."""
        return any(self.done)

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
