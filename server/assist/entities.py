"""Details a customer gives (order and account ids, emails, phones, amounts, dates, products).

Each recogniser is a regular expression with a base confidence; context words near a match
("order number", "account no") raise it. Spans serve twice: as entities for the agent's details
panel, and as identifiers the conversation model keeps out of the search (``turns.py``).
Values are customer data: they are never logged.

Example::

    >>> [(e.type, e.value) for e in extract("order CC-51907, email me at a.b@c.com")]
    [('order_id', 'CC-51907'), ('email', 'a.b@c.com')]
"""

from __future__ import annotations

import itertools
import logging
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from server.assist.entity_patterns import BUILT_IN, HINT, HINT_WORDS, Recogniser
from server.assist.time_limit import TimeLimitExceeded, time_limit

__all__ = ["BUILT_IN", "DEFAULT_THRESHOLD", "Entity", "Recogniser", "extract", "shown"]

log = logging.getLogger(__name__)

# Confidence an entity needs to be shown, unless the tenant sets its own threshold.
DEFAULT_THRESHOLD = 0.8

# By identity: a recogniser's own hash walks its compiled patterns' code, which cost more than
# the patterns it spares (several microseconds per recogniser and turn).
_BUILT_IN_IDS = frozenset(id(recogniser) for recogniser in BUILT_IN)
# Context is looked for this many characters either side of a match: the agent's question
# ("what's the order number?") counts as context for the customer's bare answer.
CONTEXT_CHARS = 40
# Matches one recogniser takes from one line. A customer gives a few details a line; a line of
# thousands of number-like tokens ("12.60 12.60 ...") cost tens of microseconds a match, a
# tenth of a second of the event loop every agent shares, for details no agent reads.
MAX_MATCHES = 32
# How long a tenant's own patterns may take on one line, together (see ``time_limit``).
TENANT_PATTERN_SECONDS = 0.05
_LIMIT_MS = TENANT_PATTERN_SECONDS * 1000


class Entity(BaseModel):
    """A detail found in one customer turn."""

    model_config = ConfigDict(frozen=True)

    type: str
    value: str
    confidence: float
    start: int
    end: int


def extract(
    text: str,
    recognisers: Sequence[Recogniser] = BUILT_IN,
    *,
    context: str = "",
    products: Iterable[str] = (),
) -> list[Entity]:
    """Every entity in ``text``, in order; overlapping matches go to the more confident one.

    ``context`` is what was said just before (the agent's question), searched for context words
    too. ``products`` are product names known to the knowledge base, matched case-insensitively.
    """
    # Every built-in detail has a digit, an "@", a spoken "dot", a currency or a month in it;
    # most turns have none, and are spared a dozen patterns.
    hinted = _hinted(text)
    own = _tenant_matches([r for r in recognisers if id(r) not in _BUILT_IN_IDS], text)
    candidates = [
        Entity(
            type=recogniser.type,
            value=match.group().strip(),
            confidence=_confidence(recogniser, text, *match.span(), context),
            start=match.start(),
            end=match.end(),
        )
        for recogniser in recognisers
        for match in (
            own.get(id(recogniser), ())
            if id(recogniser) not in _BUILT_IN_IDS
            else _matches(recogniser, text)
            if hinted
            else ()
        )
    ]
    # Where two recognisers claim the same characters, the more confident one keeps them
    # ("40021873" after "what's your account number?" is an account, not an order).
    taken = Claimed()
    found: list[Entity] = []
    for entity in sorted(candidates, key=lambda e: -e.confidence):
        if taken.claim(entity.start, entity.end):
            found.append(entity)
    found.extend(_products(text, products, taken))
    return sorted(found, key=lambda entity: entity.start)


class Claimed:
    """Character spans already taken by an entity: none overlap, kept sorted by start.

    A line of thousands of number-like tokens has thousands of candidates; testing each
    against every span taken so far was quadratic (seconds of event loop for one 20,000
    character line), a look-up by bisection is logarithmic.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def claim(self, start: int, end: int) -> bool:
        """Take the non-empty ``[start, end)`` if it overlaps no span taken; whether it did."""
        at = bisect_right(self._starts, start)
        # Spans are disjoint, so their ends are sorted too: only the span starting at or just
        # before ``start`` and the one just after it can overlap.
        if at and self._ends[at - 1] > start:
            return False
        if at < len(self._starts) and self._starts[at] < end:
            return False
        self._starts.insert(at, start)
        self._ends.insert(at, end)
        return True


def _tenant_matches(recognisers: Sequence[Recogniser], text: str) -> dict[int, list[re.Match[str]]]:
    """The matches of a tenant's own recognisers (by ``id``), or none if together they take
    longer than ``TENANT_PATTERN_SECONDS``."""
    if not recognisers:
        return {}
    try:
        with time_limit(TENANT_PATTERN_SECONDS):
            return {id(r): list(_matches(r, text)) for r in recognisers}
    except TimeLimitExceeded:
        # The types' names are the tenant's configuration, not customer data.
        names = ", ".join(sorted({r.type for r in recognisers}))
        log.warning("entity types %s ran past %.0f ms on a line; skipped", names, _LIMIT_MS)
        return {}


def _matches(recogniser: Recogniser, text: str) -> Iterator[re.Match[str]]:
    """The recogniser's first ``MAX_MATCHES`` valid, non-empty matches in ``text``."""
    if recogniser.gate is not None and not recogniser.gate.search(text):
        return iter(())
    valid = (
        match
        for match in recogniser.pattern.finditer(text)
        if match.end() > match.start() and (recogniser.valid is None or recogniser.valid(match))
    )
    return itertools.islice(valid, MAX_MATCHES)


# HINT's characters, for ASCII text: with ``HINT_WORDS`` looked up one word at a time rather
# than HINT's alternatives tried at every character (a sixth of a turn's extraction).
_HINT_CHARS = re.compile(r"[0-9@$]")


def _hinted(text: str) -> bool:
    """Whether ``HINT`` finds something in ``text``: whether any built-in detail may be in it."""
    if not text.isascii():
        return HINT.search(text) is not None
    if _HINT_CHARS.search(text) is not None:
        return True
    return not HINT_WORDS.isdisjoint(_WORD_RUN.findall(text.lower()))


def _confidence(recogniser: Recogniser, text: str, start: int, end: int, context: str) -> float:
    near = text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]
    confidence = recogniser.confidence
    if recogniser.context is not None and (
        recogniser.context.search(near) or recogniser.context.search(context[-120:])
    ):
        confidence = min(0.99, confidence + recogniser.context_bonus)
    # Of the agent's line only the question counts against a match: "I've logged a complaint
    # reference. What's your account number?" asks for an account.
    if recogniser.against is not None and (
        recogniser.against.search(near) or recogniser.against.search(_question(context))
    ):
        confidence -= recogniser.penalty
    return confidence


_LAST_SENTENCE = re.compile(r"[^.!?]*[.!?]*\s*$")


def _question(context: str) -> str:
    """The last sentence of the agent's line."""
    match = _LAST_SENTENCE.search(context[-200:])
    return match.group() if match else ""


# A product name may carry a model after it: "iPhone 12", "Galaxy S21", "Pixel 7 Pro".
_MODEL = r"(?: (?:[a-z]{0,2}\d{1,4}[a-z]{0,2}|xs|xr|pro|max|plus|ultra|mini))*"
# A word of lower-cased ASCII text, as ``\w+`` reads it.
_ASCII_WORD = re.compile(r"[a-z0-9_]+")
_WORD_RUN = re.compile(r"\w+")


def _products(text: str, products: Iterable[str], taken: Claimed) -> list[Entity]:
    names = tuple(products)
    if not names:
        return []
    found = []
    for match in _product_matches(text, names):
        start, end = match.span()
        if not taken.claim(start, end):
            continue
        name = match.group(1)
        # Typed as the articles write it, or with a model number, it is surely the product;
        # lower-cased it may be an ordinary word ("direct debit", "unlimited").
        exact = _as_written(name, names)
        modelled = len(match.group()) > len(name)
        confidence = 0.9 if exact or modelled else 0.75
        found.append(
            Entity(type="product", value=match.group(), confidence=confidence, start=start, end=end)
        )
    return found


def _product_matches(text: str, names: tuple[str, ...]) -> Iterator[re.Match[str]]:
    """What ``_product_pattern(names).finditer(text)`` finds, trying only where a name can
    start: the one pattern's cost grows with the number of names (1 ms a line at 3,000, and a
    knowledge base's names include common words, so most lines hold one).

    A name matches where a word of the text equals its first word, case aside: the name
    starts at a word boundary and its first word ends at one. For ASCII names and text whose
    words are ASCII ("£" or a curly quote are no word characters, and fold to no ASCII letter),
    ``re.IGNORECASE`` is plain case-insensitivity, so each lower-cased word of the text picks
    the names it can start, tried in the one pattern's order (longest first); after a match
    the scan goes on from its end, as ``finditer``'s does. Anything else goes to the pattern.
    """
    starts = _by_first_word(names)
    if starts is None or not _ascii_words(text):
        yield from _product_pattern(names).finditer(text)
        return
    first_words, by_first = starts
    # Lower-casing ASCII words keeps every offset (only such text comes here).
    lowered = text.lower()
    resume = 0
    for word in first_words.finditer(lowered):
        if word.start() < resume:
            continue
        pattern = by_first[word.group()]
        # ``match`` at a position still sees the text before it, so ``\b`` reads as in a scan.
        match = pattern.match(text, word.start())
        if match is not None:
            resume = match.end()
            yield match


def _ascii_words(text: str) -> bool:
    """Whether every word character of ``text`` (as ``\\w`` reads it) is ASCII."""
    return text.isascii() or not any(ch.isalnum() for ch in text if not ch.isascii())


@lru_cache(maxsize=64)
def _by_first_word(
    names: tuple[str, ...],
) -> tuple[re.Pattern[str], dict[str, re.Pattern[str]]] | None:
    """For ASCII names that start with a letter or digit: a pattern finding the words of
    lower-cased text that are some name's first word, and the pattern of the names that start
    with each such word; None for any other set of names."""
    groups: dict[str, list[str]] = {}
    for name in names:
        first = _ASCII_WORD.match(name.lower()) if name.isascii() else None
        if first is None:
            return None
        groups.setdefault(first.group(), []).append(name)
    # A whole word (``\w+`` between boundaries) equal to one of them: what a walk over the
    # text's words, looking each up, would find, in C rather than a call per word.
    alternatives = "|".join(re.escape(first) for first in sorted(groups, key=len, reverse=True))
    first_words = re.compile(rf"\b(?:{alternatives})\b")
    return first_words, {first: _compiled(group) for first, group in groups.items()}


def _as_written(name: str, names: tuple[str, ...]) -> bool:
    """Whether a name is in the matched text as the articles write it (case counts)."""
    if not name.isascii():
        return any(known in name for known in names)
    # A name inside ASCII text is ASCII and inside it case aside too: only the names found
    # so in this lower-cased match need the exact look, and they are kept per match.
    lowered = name.lower()
    inside = _inside(names)
    candidates = inside.get(lowered)
    if candidates is None:
        candidates = inside[lowered] = tuple(k for k in names if k.lower() in lowered)
    return any(known in name for known in candidates)


@lru_cache(maxsize=64)
def _inside(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """For a lower-cased match, the names in it case aside; filled as matches come."""
    return {}


@lru_cache(maxsize=64)
def _product_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a knowledge base's product names (longest first), built once."""
    return _compiled(names)


def _compiled(names: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted(names, key=len, reverse=True)
    alternatives = "|".join(re.escape(name) for name in ordered)
    return re.compile(rf"\b({alternatives}){_MODEL}\b", re.IGNORECASE)


def shown(entities: Iterable[Entity], threshold: float = DEFAULT_THRESHOLD) -> list[Entity]:
    """The entities confident enough to show."""
    return [entity for entity in entities if entity.confidence >= threshold]
