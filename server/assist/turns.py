"""What a customer turn does in the conversation, decided cheaply from its words.

A turn either carries topic evidence (it states the problem, asks about it, or changes the topic)
or it does not (it gives an identifier, makes small talk, confirms something, or only announces
that a question is coming). Identifiers never reach the search: their spans are cut from the
text the query is built from.

Example::

    >>> classify("CC-51907", asked_for_details=True, vocabulary=lambda t: 0.1).kind
    <TurnKind.IDENTIFIER: 'identifier'>
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from server.assist.analysis import terms
from server.assist.entities import extract
from server.assist.query import PHATIC

# The share of a knowledge base's documents a word must appear in to be "broad": a topic
# area ("my account", "an order"), not a request.
BROAD_SHARE = 0.2
# A turn of this many words the knowledge base does not know is a request it cannot answer
# (not small talk): the widget says "unsure" rather than "listening".
UNKNOWN_REQUEST_WORDS = 3
# An announcement ("a question about my bill") names at most this many topic words.
OPENING_MAX_WORDS = 2

# ``vocabulary(term)`` is the share of the knowledge base's documents that use ``term``
# (0 when it does not know it).
Vocabulary = Callable[[str], float]
# ``repair(text)`` fixes the typos it can against the knowledge base's words (spelling.py).
Repair = Callable[[str], str]


class TurnKind(StrEnum):
    """The kinds of customer turn the conversation model tells apart."""

    ISSUE = "issue"
    QUESTION = "question"
    TOPIC_CHANGE = "topic_change"
    OPENING = "opening"
    IDENTIFIER = "identifier"
    CONFIRMATION = "confirmation"
    SMALL_TALK = "small_talk"

    @property
    def carries_topic(self) -> bool:
        """Whether the turn adds evidence about what the conversation is about."""
        return self in (TurnKind.ISSUE, TurnKind.QUESTION, TurnKind.TOPIC_CHANGE, TurnKind.OPENING)


@dataclass(frozen=True, slots=True)
class Classified:
    """A turn's kind, and its text as the search may read it (identifiers and dismissed
    aspects cut out)."""

    kind: TurnKind
    query_text: str


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words of verification answers: they name the detail being given, not the problem.
_VERIFICATION = _words(
    """name first last surname full account number no num id email e-mail address mail phone
    mobile telephone landline postcode post code zip date birth dob born member membership
    level tier gold silver bronze platinum premium customer reference ref pin digits card
    ending security answer details its it's is me mr mrs ms miss dr since"""
)
# Back-channel while following the agent's instructions: "ok done that", "one sec".
_BACKCHANNEL = _words(
    """done did doing tried found got im i'm ive i've there here now ready waiting wait sec
    second moment hang hold on minute mins just ok okay right sure yes yeah yep see seen
    open opened pressed clicked ticked typed entered uploaded picked that one"""
)
_CONFIRM = _words("yes yeah yep yup correct right exactly that's thats it no nope nah sure")
# Words that announce a request without making it: "I have a question about...".
_ANNOUNCE = _words(
    """question questions ask asking enquiry inquiry query help wondering wonder wanted want
    like need speak talk someone somebody anyone quick regarding about issue problem
    something thing things stuff product products item items service services offer deal
    can could would please"""
)
# Topic areas every knowledge base has many articles about; naming one is not a request.
_AREAS = _words(
    """account order orders bill bills billing plan plans membership subscription delivery
    contract payment payments phone sim broadband internet purchase"""
)
_TOPIC_CHANGE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|right|thanks|cheers|great)\W+)?(?:also|another (?:thing|question|issue)|"
    r"one more (?:thing|question)|(?:a )?different (?:thing|question|problem|issue)|"
    r"separate (?:question|thing|issue|problem)|(?:while|whilst) i(?:'ve| have) (?:got )?you|"
    r"by the way|btw|unrelated|on another note|something else|actually|forget (?:it|that)|"
    r"the real (?:problem|issue)|other thing|next question|and another)\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\W*(?:how|what|whats|what's|when|where|why|which|who|can|could|will|would|do|does|"
    r"is|are|am|should|did|have|has)\b",
    re.IGNORECASE,
)
# "the size is fine", "no the address is right", "it's not the colour": not the problem.
_DISMISSED = re.compile(
    r"\b(?:the|my|your|its|it's)\s+((?:\w+\s+){0,2}?\w+?)(?:'s|\s+is|\s+are)\s+"
    r"(?:fine|ok|okay|right|correct|good|lovely|perfect)\b"
    r"|\b(?:it'?s|its|it is)\s+not\s+(?:the|my)\s+(\w+)",
    re.IGNORECASE,
)
_DETAILS_ASKED = re.compile(
    r"\b(?:name|number|email|e-mail|address|postcode|post code|date of birth|dob|account|"
    r"phone|mobile|digits|reference|security|details|confirm|verify)\b",
    re.IGNORECASE,
)
_AREA_TERMS = frozenset(t for word in _AREAS for t in terms(word))
_SPELLED = re.compile(r"(?<!\w)(?:[a-z0-9] ){2,}[a-z0-9](?!\w)", re.IGNORECASE)
# A word starts with a letter, or with digits and then a letter ("4g", "2nd"). Digits are only
# tried from the first of a run: a later start in the run ends where the first did, at the
# same character, so it cannot match where the first failed (trying each was quadratic in a
# line of 20,000 digits, seconds of event loop).
_WORD = re.compile(r"[a-z][a-z0-9']*|(?<![0-9])\d+[a-z][a-z0-9]*", re.IGNORECASE)


def asks_for_details(agent_text: str) -> bool:
    """Whether the agent's line asks the customer for an identifying detail."""
    return bool(_DETAILS_ASKED.search(agent_text))


def classify(
    text: str, *, asked_for_details: bool, vocabulary: Vocabulary, repair: Repair | None = None
) -> Classified:
    """The kind of one customer turn and its searchable text."""
    found = [e for e in extract(text) if e.type != "product"]
    masked = _cut(text, [(e.start, e.end) for e in found])
    masked = _SPELLED.sub(" ", masked)
    if repair is not None:
        masked = repair(masked)
    masked = _DISMISSED.sub(" ", masked)
    words = [w.lower() for w in _WORD.findall(masked)]
    ignorable = _VERIFICATION if (found or asked_for_details) else frozenset()
    content = [
        term
        for word in words
        if word not in PHATIC and word not in _BACKCHANNEL and word not in ignorable
        for term in terms(word)
        if vocabulary(term) > 0
    ]
    if not content:
        unknown = [w for w in words if w not in PHATIC and w not in _BACKCHANNEL and terms(w)]
        if len(unknown) >= UNKNOWN_REQUEST_WORDS and not found and not asked_for_details:
            # A request in words the knowledge base never uses: asked, but not answerable.
            return Classified(TurnKind.ISSUE, " ".join(unknown))
        return Classified(_without_topic(words, found, asked_for_details), "")
    query_text = " ".join(w for w in words if w not in ignorable and w not in PHATIC)
    if _TOPIC_CHANGE.search(text):
        return Classified(TurnKind.TOPIC_CHANGE, query_text)
    if _is_opening(words, vocabulary):
        return Classified(TurnKind.OPENING, query_text)
    asking = text.rstrip().endswith("?") or bool(_QUESTION_START.search(text))
    return Classified(TurnKind.QUESTION if asking else TurnKind.ISSUE, query_text)


def _without_topic(words: list[str], found: Sequence[object], asked_for_details: bool) -> TurnKind:
    if found or (asked_for_details and any(w not in PHATIC for w in words)):
        return TurnKind.IDENTIFIER
    if any(w in _CONFIRM for w in words):
        return TurnKind.CONFIRMATION
    return TurnKind.SMALL_TALK


def _is_opening(words: list[str], vocabulary: Vocabulary) -> bool:
    """An announcement of a topic area ("a question about my order") with no request in it."""
    if not any(w in _ANNOUNCE for w in words):
        return False
    rest = [term for w in words if w not in PHATIC and w not in _ANNOUNCE for term in terms(w)]
    broad = [t for t in rest if t in _AREA_TERMS or vocabulary(t) >= BROAD_SHARE]
    return len(rest) <= OPENING_MAX_WORDS and len(broad) == len(rest)


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the (disjoint) spans blanked out.

    Built from its pieces in one pass: cutting one span at a time copied the line per span,
    seconds for a 20,000 character line of thousands of numbers.
    """
    pieces, kept = [], 0
    for start, end in sorted(spans):
        pieces.append(text[kept:start])
        kept = end
    pieces.append(text[kept:])
    return " ".join(pieces)
