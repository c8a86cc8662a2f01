"""The built-in recognisers: a pattern, a base confidence, and the words around a match that
vouch for it or speak against it.

A match's confidence is its base, plus ``context_bonus`` when ``context`` words are near (or in
the agent's question just before), minus ``penalty`` when ``against`` words are near: "sort code
20-00-00, account 55779911" is bank details, not a customer account; "ticket ref 558201" is not
an order. ``valid`` rejects matches that only look right ("20-00-00" has no month).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_CARDINAL_LIST = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety"
)
_NUMBER_LIST = (
    f"{_CARDINAL_LIST}|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    "eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
    "nineteenth|twentieth|thirtieth"
)


def _longest_first(words: str) -> str:
    # Longest first, so "eighty" is not read as "eight" followed by "y".
    return "|".join(sorted(words.split("|"), key=len, reverse=True))


_NUMBER_WORDS = _longest_first(_NUMBER_LIST)
_CARDINALS = _longest_first(_CARDINAL_LIST)
_ORDINAL_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_SPOKEN_DAY = rf"(?:(?:{_NUMBER_WORDS})(?:[ -](?:{_NUMBER_WORDS}))?)"
_YEAR = rf"(?:(?:19|20)\d\d|(?:(?:{_NUMBER_WORDS})\b[ -]?){{2,4}})"
# Digits with thousands commas and pence: "1,250.00", "25" (never the comma after "£25, ").
_MONEY = r"\d+(?:,\d{3})*(?:\.\d{1,2})?"
_TENS_UNITS = rf"(?:{_CARDINALS})(?:[ -](?:{_CARDINALS}))?"
_SPOKEN_AMOUNT = (
    rf"(?:(?:a|one|{_CARDINALS})[ -]hundred(?:[ -](?:and[ -])?{_TENS_UNITS})?|{_TENS_UNITS})"
)
_CURRENCY_WORDS = r"pounds?|quid|dollars?|euros?|gbp|usd|eur"
# Units that make a decimal a measurement, not money: "11.80 Mbps", "1.50 m".
_UNIT = r"\s?(?:%|(?:per ?cent|mbps|mb|gb|kb|kg|cm|mm|km|metres?|meters?|miles?|mph)\b|inch)"
# Words that name some other number than the one a recogniser is after.
_NOT_A_CUSTOMER_ID = (
    r"sort code|\biban\b|building society|\bbank (?:account|details)|\bcard (?:number|no)|"
    r"\bending(?: in)?\b|\bends in\b|\bpac\b|\bimei\b|\bserial\b|\bmodel (?:number|no)\b|"
    r"\b(?:security|verification|one[- ]time|2fa|sms|login|sign[- ]in|access) code\b|"
    r"\b(?:ticket|case|complaint|tracking|courier|parcel|return|returns|promo|voucher|gift card)"
    r" ?(?:number|no|ref|reference|id|code)\b"
)


@dataclass(frozen=True, slots=True)
class Recogniser:
    """A pattern for one entity type, its base confidence, and words that vouch for it."""

    type: str
    pattern: re.Pattern[str]
    confidence: float
    context: re.Pattern[str] | None = None
    # A match with this context nearby counts this much more (capped at 0.99).
    context_bonus: float = 0.0
    # A match with these words nearby counts this much less, context or not.
    against: re.Pattern[str] | None = None
    penalty: float = 0.0
    # A match this returns False for is not one at all.
    valid: Callable[[re.Match[str]], bool] | None = None
    # A cheap test for something every match contains; text without it skips the pattern.
    gate: re.Pattern[str] | None = None


def _ci(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_VERSION_BEFORE = re.compile(
    r"\b(?:version|v|ios|android|firmware|software|build|update[sd]?(?: to)?)\s*$", re.IGNORECASE
)


def _real_numeric_date(match: re.Match[str]) -> bool:
    """Day 1-31 and month 1-12 ("20-00-00" is a sort code), not after "version" ("updated to
    3.10.22")."""
    day, month = (int(part) for part in re.split(r"[/.-]", match.group())[:2])
    before = match.string[max(0, match.start() - 20) : match.start()]
    return 1 <= day <= 31 and 1 <= month <= 12 and not _VERSION_BEFORE.search(before)


# After "may" these words make it the verb: "size 2 may be fine", "the first may arrive".
_MAY_AS_VERB = _ci(
    r"\s+(?:be|have|not|need|arrive|come|take|get|also|still|cost|help|work|fit|want|only|"
    r"just|well|already|look|go|show|take|been|i|we|you|it|they)\b"
)
# The first character after a match that is not white space, if any.
_NEXT_CHAR = re.compile(r"\s*(\S)")
_ORDINAL_SUFFIX = _ci(r"\d(?:st|nd|rd|th)\b|\b(?:first|second|third|[a-z]+th|of)\b")
_A_YEAR = _ci(r"\b(?:19|20)\d\d\b")
_TIME_BEFORE = _ci(r"\b(?:at|by|until|till|from|around|about|after|before)\s*$")


def _not_a_time(match: re.Match[str]) -> bool:
    """False for "at 10.30": an hour and minutes after a word that introduces a time."""
    hours, minutes = (int(part) for part in match.group().split("."))
    before = match.string[max(0, match.start() - 8) : match.start()]
    return not (hours <= 23 and minutes < 60 and _TIME_BEFORE.search(before))


def _real_spoken_date(match: re.Match[str]) -> bool:
    """A day that exists, and "may" as a month rather than the verb after a number."""
    text = match.group()
    day = re.search(r"\d+", text)
    if day and not 1 <= int(day.group()) <= 31:
        return False
    if not re.search(r"\bmay\b", text, re.IGNORECASE):
        return True
    # Read in place: a copy of the rest of the line per match was quadratic in a line of
    # many dates.
    if _MAY_AS_VERB.match(match.string, match.end()):
        return False
    next_char = _NEXT_CHAR.match(match.string, match.end())
    ends = next_char is None or next_char.group(1) in ".,;!?"
    return bool(_ORDINAL_SUFFIX.search(text) or _A_YEAR.search(text)) or ends


_PHONE_WORDS = _ci(
    r"\b(?:phone|mobile|call|ring|dial|landline|cell|contact|text|reach|number to)\b|"
    r"(?<!order )(?<!account )(?<!membership )(?<!customer )(?<!reference )(?<!tracking )"
    r"(?<!ticket )(?<!case )(?<!card )(?<!serial )(?<!model )\bnumber\b"
)
# Short words that can stand before a number without being an id's letters: "is 4033 9102".
_SHORT_LIST = """
    is it its at on in to of my no and the was for by or as be are so me us we you yes ok um
    er from with size item only just then also each plus over than about like call ring uk am
    pm x
    """
_SHORT_WORDS = frozenset(_SHORT_LIST.split())


def _grouped_order(match: re.Match[str]) -> bool:
    """5 to 12 digits after letters that are not a word of the sentence ("is 4033 9102")."""
    letters = re.match(r"[a-z]+", match.group(), re.IGNORECASE)
    digits = sum(ch.isdigit() for ch in match.group())
    return letters is not None and letters.group().lower() not in _SHORT_WORDS and 5 <= digits <= 12


_SPOKEN_LOCAL = r"[a-z0-9]+"
# " at ", then " dot " later on the line. Only the line's first " at " is tried: it leaves the
# most room, and trying every one scanned the rest of the line from each (quadratic).
_SPOKEN_AT = re.compile(r"^(?:(?! at ).)* at .* dot ", re.IGNORECASE | re.MULTILINE)
_SPOKEN_DOMAIN = r"[a-z0-9]+(?: dot [a-z]{2,})+\b"
_ORDER_WORDS = _ci(
    r"\border\b|\bpurchase\b|(?<!complaint )(?<!ticket )(?<!case )(?<!tracking )(?<!courier )"
    r"(?<!return )(?<!returns )(?<!refund )\bref(?:erence)?\b"
)
_ACCOUNT_WORDS = _ci(r"\baccount\b|\bcustomer (?:number|no|id)\b|\bmembership (?:number|no)\b")


def _grouped_phone(pattern: str) -> Recogniser:
    """A phone number in groups, likelier with a phone word near, unlikelier as a customer id."""
    return Recogniser("phone", _ci(pattern), 0.6, _PHONE_WORDS, 0.25, _ci(_NOT_A_CUSTOMER_ID), 0.3)


BUILT_IN: tuple[Recogniser, ...] = (
    # At most 64 characters before the "@" (RFC 5321's limit): an unbounded run was read to
    # its end from every word boundary in it, quadratic in a line like "@ a.a.a.a...".
    Recogniser("email", _ci(r"\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b"), 0.99, gate=_ci("@")),
    # Said aloud: "k dot morris at gmail dot com". A website said aloud has no dotted name
    # before "at" ("i saw it at argos dot co dot uk"), so a one-word name needs the word
    # "email", or a mail provider, near it.
    Recogniser(
        "email",
        # Up to eight parts before "at": no address has more, and an unbounded chain was
        # read again from each of its words ("dot dot dot ...", quadratic).
        _ci(rf"\b{_SPOKEN_LOCAL}(?: (?:dot|underscore) [a-z0-9]+){{1,8}} at {_SPOKEN_DOMAIN}"),
        0.9,
        gate=_SPOKEN_AT,
    ),
    Recogniser(
        "email",
        _ci(rf"\b{_SPOKEN_LOCAL} at {_SPOKEN_DOMAIN}"),
        0.6,
        _ci(
            r"\be-?mail|\baddress\b|\bat (?:g ?mail|hotmail|outlook|yahoo|icloud|aol|live|"
            r"btinternet|proton(?:mail)?|sky|virgin(?:media)?|me) dot\b"
        ),
        0.3,
        gate=_SPOKEN_AT,
    ),
    Recogniser("phone", _ci(r"(?<![\w+])(?:\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\w)"), 0.95),
    # UK numbers are 0 and ten digits, however they are grouped: 0113 496 0281, 020 7946 0321.
    Recogniser(
        "phone",
        _ci(r"(?<![\w+])(?:\+44\s?|0)\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?![\w])"),
        0.7,
        _PHONE_WORDS,
        0.2,
        _ci(_NOT_A_CUSTOMER_ID),
        0.3,
        valid=lambda m: len(re.sub(r"\D", "", m.group().replace("+44", "0"))) in (10, 11),
    ),
    _grouped_phone(r"(?<![\w+])\+?\d{1,3}[ -]?\(?\d{2,4}\)?[ -]\d{3}[ -]\d{3,4}(?!\w)"),
    _grouped_phone(r"(?<![\w+])\d{3} \d{3} \d{3}(?!\w)"),
    Recogniser(
        "amount",
        _ci(
            rf"(?:[£$€]\s?{_MONEY}|\b{_MONEY}\s?"
            rf"(?:{_CURRENCY_WORDS})\b)"
        ),
        0.95,
    ),
    Recogniser(
        "amount",
        _ci(rf"\b{_SPOKEN_AMOUNT} (?:{_CURRENCY_WORDS})\b"),
        0.9,
        gate=_ci(r"pound|quid|dollar|euro"),
    ),
    # A bare 12.60 is money only where money is talked about, and never a time ("at 10.30")
    # or a measurement ("11.80 Mbps").
    Recogniser(
        "amount",
        _ci(rf"(?<![\w.£$€])\d{{1,5}}\.\d{{2}}(?![\w.])(?!{_UNIT})"),
        0.6,
        _ci(
            r"\b(?:charged|paid|pay|refund|refunded|cost|costs|price|fee|short|back|postage|"
            r"delivery|bill|owe)\b"
        ),
        0.3,
        valid=_not_a_time,
    ),
    Recogniser(
        "date",
        _ci(r"\b[0-3]?\d[/.-][01]?\d[/.-](?:19|20)?\d\d\b"),
        0.95,
        valid=_real_numeric_date,
    ),
    Recogniser(
        "date",
        _ci(
            rf"\b(?:{_ORDINAL_DAY}|{_SPOKEN_DAY})(?: of)? (?:{_MONTHS})\b(?:,? {_YEAR})?"
            rf"|\b(?:{_MONTHS}) {_ORDINAL_DAY}\b(?:,? (?:19|20)\d\d)?"
        ),
        0.9,
        valid=_real_spoken_date,
        gate=_ci(rf"\b(?:{_MONTHS})\b"),
    ),
    Recogniser(
        "order_id",
        _ci(r"\b(?:[a-z]{1,4}-?\d{5,10}|\d{6,10})\b"),
        0.55,
        _ORDER_WORDS,
        0.4,
        _ci(_NOT_A_CUSTOMER_ID),
        0.45,
    ),
    # Read out in groups or letter by letter: "FH 4033 9102", "F H 4 0 8 1", "CC 58207".
    Recogniser(
        "order_id",
        _ci(r"(?<![\w-])[a-z]{1,4}(?: ?\d{2,5}){2,5}(?!\w)"),
        0.5,
        _ORDER_WORDS,
        0.4,
        _ci(_NOT_A_CUSTOMER_ID),
        0.45,
        valid=_grouped_order,
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
        _ACCOUNT_WORDS,
        0.4,
        _ci(_NOT_A_CUSTOMER_ID),
        0.45,
    ),
    # An account number read in pairs or triples: "55 20 61 93".
    Recogniser(
        "account_id",
        _ci(r"(?<![\w-])\d{2,4}(?: \d{2,4}){2,5}(?![\w-])"),
        0.45,
        _ACCOUNT_WORDS,
        0.4,
        _ci(_NOT_A_CUSTOMER_ID),
        0.45,
        valid=lambda m: 6 <= sum(ch.isdigit() for ch in m.group()) <= 12,
    ),
)
# Every built-in detail has a digit, an "@", a currency sign or one of these words in it (a
# spoken "dot", a currency, a month; every spelling ``_MONTHS`` takes): most turns have none,
# and are spared the patterns. entities.py looks the words up directly in ASCII text.
HINT_WORDS = frozenset(
    {
        *("jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun"),
        *("june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october"),
        *("nov", "november", "dec", "december"),
        *("pound", "pounds", "quid", "dollar", "dollars", "euro", "euros", "dot"),
    }
)
HINT = re.compile(
    rf"\d|@|[£$€]|\b(?:{'|'.join(sorted(HINT_WORDS, key=len, reverse=True))})\b", re.IGNORECASE
)
