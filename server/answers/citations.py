"""Which passages an answer cites, and whether it may be shown at all."""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.answers.models import Citation, Passage

# "[P1]", "[p2]", "[P1, P3]"; the model's own bracketed text is not a citation.
_MARKER = re.compile(r"\[\s*(P\d+(?:\s*[,;]\s*P\d+)*)\s*\]", re.IGNORECASE)
_REF = re.compile(r"P\d+", re.IGNORECASE)

NO_CITATIONS = "no_citations"
UNKNOWN_CITATION = "unknown_citation"


def cited_refs(text: str) -> list[str]:
    """The passage ids cited in ``text``, upper-cased, in order of first citation."""
    refs: list[str] = []
    for marker in _MARKER.finditer(text):
        for ref in _REF.findall(marker.group(1)):
            if ref.upper() not in refs:
                refs.append(ref.upper())
    return refs


def check_citations(text: str, passages: Sequence[Passage]) -> list[Citation] | str:
    """The answer's citations, or the reason it is dropped (cites none, or an unknown id)."""
    given = {passage.ref: passage for passage in passages}
    refs = cited_refs(text)
    if not refs:
        return NO_CITATIONS
    if any(ref not in given for ref in refs):
        return UNKNOWN_CITATION
    return [Citation.of(given[ref]) for ref in refs]
