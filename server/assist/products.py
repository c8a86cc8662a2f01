"""Product names a knowledge base mentions, found from how its articles write them.

A product is named the way nothing else is: a word capitalised inside (``iPhone``, ``eSIM``),
a capitalised word followed by a model (``Pixel 3``, ``Galaxy S20``), or a run of two or three
capitalised words in mid-sentence (``Home Hub``, ``Fernhill Unlimited``). Interface labels
(``**My orders**``), sentence starts, ways to pay (``Direct Debit``, ``PayPal``), codes and
places (``Parcel Point``) are skipped.

Customers type names in lower case. A lower-cased form is listed too where the articles show
it cannot be an ordinary phrase: a word capitalised inside (``iphone``), or a name none of
whose words the articles ever write in lower case (``fernhill unlimited``). Where a brand leads
a name and also stands alone (``Fernhill Unlimited``, "bought from Fernhill"), the rest of the
name is listed by itself (``Unlimited``), as customers say it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

_BOLD = re.compile(r"\*\*[^*]+\*\*|`[^`]+`")
_CAMEL = re.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b|\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")
_WITH_MODEL = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{2,}) (?:[A-Z]{0,2}\d{1,3}|XS|XR)\b")
_PHRASE = re.compile(r"(?<=[a-z,;] )((?:[A-Z][a-z]+ ){1,2}[A-Z][a-z]+)\b")
_WORD = re.compile(r"[A-Za-z]+")
# A capitalised word in mid-sentence with no capitalised word after it: a brand on its own.
_ALONE = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+)\b(?! [A-Z])")
# Capitalised words that name places, times, interface parts, ways to pay, codes and
# technologies (a SIM type, an operating system), not things one buys.
_NOT_PRODUCT_LIST = """
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december uk europe zone team support
    care customer settings account orders billing centre center help service services
    northern ireland scotland england wales highlands islands options
    debit debits credit card cards express paypal visa mastercard maestro klarna cash bank
    code codes authorisation authorization guarantee point points locker lockers store stores
    shop office band step option page section level number
    sim esim wifi bluetooth volte nfc ios android javascript
    """
_NOT_PRODUCT_WORDS = frozenset(_NOT_PRODUCT_LIST.split())
# Words too common to make a lower-cased phrase a name: "find my" is not "Find My".
_COMMON_LIST = """
    a an the my your our their his her its this that of in on at to for with by from and or
    is are be it me us we you find get go set up out off new home all one two more plus
    """
_COMMON_WORDS = frozenset(_COMMON_LIST.split())
# A capitalised name used this often, and never in lower case, is the articles' name for it.
_NAME_USES = 2


@dataclass(frozen=True, slots=True)
class NameEvidence:
    """What one article says about product names, kept with its index entry so a changed
    article is read again and the rest are not.

    ``names``: the names it writes and how often; ``alone``: capitalised words it uses on their
    own in mid-sentence (a brand: "bought from Fernhill"); ``capitalised_only``: the words it
    never writes in lower case (with the article's lower-cased words, this tells whether it
    writes a word in lower case anywhere).
    """

    names: tuple[tuple[str, int], ...] = ()
    alone: frozenset[str] = frozenset()
    capitalised_only: frozenset[str] = frozenset()


# An article that names nothing.
NO_NAMES = NameEvidence()


def name_evidence(title: str, body: str) -> NameEvidence:
    """One article's evidence; names are read from its body."""
    plain = _BOLD.sub(" ", body)
    names: Counter[str] = Counter()
    names.update(m.group() for m in _CAMEL.finditer(plain))
    names.update(m.group(1) for m in _WITH_MODEL.finditer(plain))
    names.update(m.group(1) for m in _PHRASE.finditer(plain))
    words = _WORD.findall(f"{title} {body}")
    lower = {word for word in words if word.islower()}
    capitalised = {word.lower() for word in words if not word.islower()}
    return NameEvidence(
        tuple(names.items()), frozenset(_ALONE.findall(plain)), frozenset(capitalised - lower)
    )


def product_names(articles: Iterable[tuple[NameEvidence, Collection[str]]]) -> list[str]:
    """Distinct product names of a knowledge base, longest first, from each article's evidence
    and its lower-cased words (``index.Entry.words``). Lower-cased forms and brand-less names
    need every article's evidence."""
    articles = list(articles)
    names: Counter[str] = Counter()
    alone: set[str] = set()
    for evidence, _ in articles:
        names.update(dict(evidence.names))
        alone |= evidence.alone
    found = {n: c for n, c in names.items() if not _NOT_PRODUCT_WORDS & _words(n)}
    wanted = {
        name
        for name, uses in found.items()
        if _CAMEL.fullmatch(name) or (" " in name and uses >= _NAME_USES)
        if not _words(name) & _COMMON_WORDS
    }
    in_lower_case = _written_in_lower_case(set().union(*map(_words, wanted)), articles)
    aliases = {name.lower() for name in wanted if not _words(name) & in_lower_case}
    tails = {_tail(name) for name in found if _tail(name) and name.split()[0] in alone}
    # A short name is as safe in lower case as the full name it shortens.
    aliases |= {_tail(alias) for alias in aliases} & {tail.lower() for tail in tails}
    return sorted(set(found) | tails | aliases, key=lambda name: (-len(name), name))


def product_names_in(texts: Iterable[str]) -> list[str]:
    """``product_names`` of article bodies given as text."""
    return product_names(
        (name_evidence("", text), frozenset(w.lower() for w in _WORD.findall(text)))
        for text in texts
    )


def _written_in_lower_case(
    words: set[str], articles: list[tuple[NameEvidence, Collection[str]]]
) -> set[str]:
    """Which of ``words`` some article writes in lower case."""
    return {
        word
        for word in words
        if any(word in lowered and word not in e.capitalised_only for e, lowered in articles)
    }


def _tail(name: str) -> str:
    """A two-word name without its first word: "Unlimited" of "Fernhill Unlimited"."""
    words = name.split(" ")
    return words[1] if len(words) == 2 else ""


def _words(name: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(name)}
