"""The chat messages for a generated answer: instructions, numbered passages, the conversation."""

from __future__ import annotations

from collections.abc import Sequence

from server.answers.client import ChatMessage
from server.answers.models import Passage
from server.conversation import Line

DEFAULT_SYSTEM_PROMPT = (
    "You help a contact-centre agent reply to a customer. Answer the customer's latest "
    "message using only the numbered knowledge-base passages you are given; never add facts "
    "that are not in them. If the passages do not answer it, say so in one sentence."
)
# Appended to every system prompt, the route's too: an answer without citations is dropped.
CITATION_RULE = (
    "Cite each passage you use by its id in square brackets, for example [P1] or [P2], "
    "right after the sentence it supports. Keep the answer to two or three sentences the "
    "agent can say or paste."
)
# The answer is for the conversation's latest turn; older lines only give context.
CONVERSATION_LINES = 8


def build_messages(
    system_prompt: str | None, passages: Sequence[Passage], lines: Sequence[Line]
) -> list[ChatMessage]:
    """One system message (instructions) and one user message (passages and conversation)."""
    system = f"{system_prompt or DEFAULT_SYSTEM_PROMPT}\n\n{CITATION_RULE}"
    user = (
        f"Passages:\n\n{format_passages(passages)}\n\n"
        f"Conversation:\n{format_conversation(lines)}\n\n"
        "Write the agent's answer to the customer's latest message, citing passage ids."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def format_passages(passages: Sequence[Passage]) -> str:
    """Each passage under its id, document id and title."""
    return "\n\n".join(
        f"[{p.ref}] (document {p.suggestion.source.document_id}) {p.suggestion.title}\n"
        f"{p.suggestion.snippet}"
        for p in passages
    )


def format_conversation(lines: Sequence[Line]) -> str:
    """The recent lines, oldest first, each labelled with its speaker."""
    recent = lines[-CONVERSATION_LINES:]
    return "\n".join(f"{line.speaker.value.title()}: {line.text}" for line in recent)
