"""Product names a knowledge base mentions, found from how its articles write them.

A product is named the way nothing else is: a word capitalised inside (``iPhone``, ``eSIM``,
``PayPal``), a capitalised word followed by a model (``Pixel 3``, ``Galaxy S20``), or a run of
two or three capitalised words in mid-sentence (``Home Hub``, ``Fernhill Unlimited``). Interface
labels (``**My orders**``) and sentence starts are skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_BOLD = re.compile(r"\*\*[^*]+\*\*|`[^`]+`")
_CAMEL = re.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b|\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")
_WITH_MODEL = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{2,}) (?:[A-Z]{0,2}\d{1,3}|XS|XR)\b")
_PHRASE = re.compile(r"(?<=[a-z,;] )((?:[A-Z][a-z]+ ){1,2}[A-Z][a-z]+)\b")
# Capitalised words that name places, times and interface parts, not things one buys.
_NOT_PRODUCT_LIST = """
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december uk europe zone team support
    care customer settings account orders billing centre center help service services
    northern ireland scotland england wales highlands islands options
    """
_NOT_PRODUCT_WORDS = frozenset(_NOT_PRODUCT_LIST.split())


def product_names(texts: Iterable[str]) -> list[str]:
    """Distinct product names in ``texts`` (article bodies), longest first."""
    names: Counter[str] = Counter()
    for text in texts:
        plain = _BOLD.sub(" ", text)
        names.update(m.group() for m in _CAMEL.finditer(plain))
        names.update(m.group(1) for m in _WITH_MODEL.finditer(plain))
        names.update(
            m.group(1)
            for m in _PHRASE.finditer(plain)
            if not _NOT_PRODUCT_WORDS & set(m.group(1).lower().split())
        )
    return sorted(names, key=lambda name: (-len(name), name))
