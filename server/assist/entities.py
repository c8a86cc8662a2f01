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

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

# Confidence an entity needs to be shown, unless the tenant sets its own threshold.
DEFAULT_THRESHOLD = 0.8

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_NUMBER_LIST = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    "eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
    "nineteenth|twentieth|thirtieth"
)
# Longest first, so "eighty" is not read as "eight" followed by "y".
_NUMBER_WORDS = "|".join(sorted(_NUMBER_LIST.split("|"), key=len, reverse=True))
_ORDINAL_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_SPOKEN_DAY = rf"(?:(?:{_NUMBER_WORDS})(?:[ -](?:{_NUMBER_WORDS}))?)"
_YEAR = rf"(?:(?:19|20)\d\d|(?:(?:{_NUMBER_WORDS})\b[ -]?){{2,4}})"


@dataclass(frozen=True, slots=True)
class Recogniser:
    """A pattern for one entity type, its base confidence, and words that vouch for it."""

    type: str
    pattern: re.Pattern[str]
    confidence: float
    context: re.Pattern[str] | None = None
    # A match with this context nearby counts this much more (capped at 0.99).
    context_bonus: float = 0.0


def _ci(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


BUILT_IN: tuple[Recogniser, ...] = (
    Recogniser(
        "email",
        _ci(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
        0.99,
    ),
    Recogniser(
        "email",
        _ci(r"\b[a-z0-9]+(?: (?:dot|underscore) [a-z0-9]+)* at [a-z0-9]+(?: dot [a-z]{2,})+\b"),
        0.9,
    ),
    Recogniser(
        "phone",
        _ci(r"(?<![\w+])(?:\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\w)"),
        0.95,
    ),
    Recogniser(
        "phone",
        _ci(r"(?<![\w+])\+?\d{1,3}[ -]?\(?\d{2,4}\)?[ -]\d{3}[ -]\d{3,4}(?!\w)"),
        0.6,
        _ci(r"\b(?:phone|mobile|number|call|ring|dial|landline)\b"),
        0.25,
    ),
    Recogniser(
        "phone",
        _ci(r"(?<![\w+])\d{3} \d{3} \d{3}(?!\w)"),
        0.6,
        _ci(r"\b(?:phone|mobile|call|ring|dial|landline|number)\b"),
        0.25,
    ),
    Recogniser(
        "amount",
        _ci(
            r"(?:[£$€]\s?\d[\d,]*(?:\.\d{1,2})?|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:pounds|quid|dollars|euros|gbp|usd|eur)\b)"
        ),
        0.95,
    ),
    Recogniser(
        "amount",
        _ci(r"(?<![\w.£$€])\d{1,5}\.\d{2}(?![\w.])"),
        0.6,
        _ci(r"\b(?:charged|paid|pay|refund|refunded|cost|costs|price|fee|short|back)\b"),
        0.3,
    ),
    Recogniser(
        "date",
        _ci(r"\b[0-3]?\d[/.-][01]?\d[/.-](?:19|20)?\d\d\b"),
        0.95,
    ),
    Recogniser(
        "date",
        _ci(
            rf"\b(?:{_ORDINAL_DAY}|{_SPOKEN_DAY})(?: of)? (?:{_MONTHS})\b(?:,? {_YEAR})?"
            rf"|\b(?:{_MONTHS}) {_ORDINAL_DAY}\b(?:,? (?:19|20)\d\d)?"
        ),
        0.9,
    ),
    Recogniser(
        "order_id",
        _ci(r"\b(?:[a-z]{1,4}-?\d{5,10}|\d{6,10})\b"),
        0.55,
        _ci(r"\border\b|\bref(?:erence)?\b|\bpurchase\b"),
        0.4,
    ),
    Recogniser(
        "order_id",
        _ci(r"(?<!\w)(?:[a-z] ){1,3}(?:\d ){4,11}\d(?!\w)"),
        0.5,
        _ci(r"\border\b"),
        0.4,
    ),
    Recogniser(
        "account_id",
        _ci(r"(?<!\w)(?:\d ){5,11}\d(?!\w)|\b\d{6,12}\b"),
        0.5,
        _ci(r"\baccount\b|\bcustomer (?:number|no|id)\b|\bmembership (?:number|no)\b"),
        0.4,
    ),
)
_BUILT_IN_SET = frozenset(BUILT_IN)
_HINT = re.compile(rf"\d|@|\bdot\b|[£$€]|\b(?:{_MONTHS})\b", re.IGNORECASE)
# Context is looked for this many characters either side of a match: the agent's question
# ("what's the order number?") counts as context for the customer's bare answer.
CONTEXT_CHARS = 40


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
    if not _HINT.search(text):
        recognisers = [r for r in recognisers if r not in _BUILT_IN_SET]
    candidates = [
        Entity(
            type=recogniser.type,
            value=match.group().strip(),
            confidence=_confidence(recogniser, text, *match.span(), context),
            start=match.start(),
            end=match.end(),
        )
        for recogniser in recognisers
        for match in recogniser.pattern.finditer(text)
        if match.end() > match.start()
    ]
    # Where two recognisers claim the same characters, the more confident one keeps them
    # ("40021873" after "what's your account number?" is an account, not an order).
    taken: list[tuple[int, int]] = []
    found: list[Entity] = []
    for entity in sorted(candidates, key=lambda e: -e.confidence):
        if not any(entity.start < b and a < entity.end for a, b in taken):
            taken.append((entity.start, entity.end))
            found.append(entity)
    found.extend(_products(text, products, taken))
    return sorted(found, key=lambda entity: entity.start)


def _confidence(recogniser: Recogniser, text: str, start: int, end: int, context: str) -> float:
    if recogniser.context is None:
        return recogniser.confidence
    near = text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]
    if recogniser.context.search(near) or recogniser.context.search(context[-120:]):
        return min(0.99, recogniser.confidence + recogniser.context_bonus)
    return recogniser.confidence


# A product name may carry a model after it: "iPhone 12", "Galaxy S21", "Pixel 7 Pro".
_MODEL = r"(?: (?:[a-z]{0,2}\d{1,4}[a-z]{0,2}|xs|xr|pro|max|plus|ultra|mini))*"


def _products(text: str, products: Iterable[str], taken: list[tuple[int, int]]) -> list[Entity]:
    names = tuple(products)
    if not names:
        return []
    found = []
    for match in _product_pattern(names).finditer(text):
        start, end = match.span()
        if any(start < b and a < end for a, b in taken):
            continue
        taken.append((start, end))
        name = match.group(1)
        # Typed as the articles write it, or with a model number, it is surely the product;
        # lower-cased it may be an ordinary word ("direct debit", "unlimited").
        exact = any(known in name for known in names)
        modelled = len(match.group()) > len(name)
        confidence = 0.9 if exact or modelled else 0.75
        found.append(
            Entity(type="product", value=match.group(), confidence=confidence, start=start, end=end)
        )
    return found


@lru_cache(maxsize=64)
def _product_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a knowledge base's product names (longest first), built once."""
    ordered = sorted(names, key=len, reverse=True)
    alternatives = "|".join(re.escape(name) for name in ordered)
    return re.compile(rf"\b({alternatives}){_MODEL}\b", re.IGNORECASE)


def shown(entities: Iterable[Entity], threshold: float = DEFAULT_THRESHOLD) -> list[Entity]:
    """The entities confident enough to show."""
    return [entity for entity in entities if entity.confidence >= threshold]
