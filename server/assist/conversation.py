"""The conversation model: which turns state the topic, and the query they make together.

Read from the transcript each time (no per-node state): every customer turn is classified
(``turns.classify``); the topic is built from the turns that carry topic evidence since the last
topic change, newest weighted most; identifiers, small talk and confirmations neither enter it
nor age it, so a run of verification turns leaves the topic exactly as the customer stated it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from providers.models import Speaker
from server.assist.query import AGENT_WEIGHT, RECENCY_DECAY, Query, Turn
from server.assist.turns import Classified, Repair, TurnKind, Vocabulary, asks_for_details, classify
from server.conversation import Line

# Topic turns beyond this many back are left out: a long topic has been restated by then.
TOPIC_TURNS = 4


@dataclass(frozen=True, slots=True)
class Reading:
    """What the conversation is about after its latest line."""

    latest: TurnKind | None
    query: Query
    # The event id of the turn that opened the current topic; cards are kept per topic.
    topic_id: str | None
    # False while the topic is only announced ("a question about my bill"), not yet asked.
    requested: bool
    # How many customer turns the topic has: past the first, its cards were already decided.
    turns: int = 0


@dataclass(frozen=True, slots=True)
class _TopicTurn:
    line: Line
    text: str
    kind: TurnKind


# ``classifier(text, asked)`` classifies one customer turn; an index passes its cached one.
Classifier = Callable[[str, bool], Classified]


def read_conversation(
    lines: Sequence[Line],
    vocabulary: Vocabulary,
    repair: Repair | None = None,
    classifier: Classifier | None = None,
) -> Reading:
    """The topic the customer's latest turn leaves the conversation on."""
    if classifier is None:

        def classifier(text: str, asked: bool) -> Classified:
            return classify(text, asked_for_details=asked, vocabulary=vocabulary, repair=repair)

    topic: list[_TopicTurn] = []
    latest: TurnKind | None = None
    asked = False
    for line in lines:
        if line.speaker is Speaker.AGENT:
            asked = asks_for_details(line.text)
            if topic:
                topic.append(_TopicTurn(line, "" if asked else line.text, TurnKind.ISSUE))
            continue
        if line.speaker is not Speaker.CUSTOMER:
            continue
        turn = classifier(line.text, asked)
        latest = turn.kind
        if turn.kind is TurnKind.TOPIC_CHANGE:
            topic = []
        if turn.kind.carries_topic:
            topic.append(_TopicTurn(line, turn.query_text, turn.kind))
    return _reading(topic, latest)


def _reading(topic: list[_TopicTurn], latest: TurnKind | None) -> Reading:
    customer = [t for t in topic if t.line.speaker is Speaker.CUSTOMER]
    if not customer:
        return Reading(latest, Query(()), None, False)
    return Reading(
        latest=latest,
        query=_query(topic),
        topic_id=customer[0].line.event_id,
        requested=any(t.kind is not TurnKind.OPENING for t in customer),
        turns=len(customer),
    )


def _query(topic: list[_TopicTurn]) -> Query:
    """Topic turns newest first; each older customer turn counts RECENCY_DECAY less."""
    turns: list[Turn] = []
    age = 0
    for item in reversed(topic):
        if item.line.speaker is Speaker.CUSTOMER:
            age += 1
            if age > TOPIC_TURNS:
                break
        if not item.text:
            continue
        factor = 1.0 if item.line.speaker is Speaker.CUSTOMER else AGENT_WEIGHT
        turns.append(Turn(item.text, factor * RECENCY_DECAY ** max(age - 1, 0)))
    return Query(tuple(turns))
