"""Split documents into passages by heading and paragraph, each carrying its title and heading.

A passage is what retrieval ranks and what a card quotes, so it should be about one thing:
a section's paragraphs are packed together up to ``MAX_WORDS``, tiny ones join a neighbour, and
huge ones are cut at line, then sentence, then word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from server.store.models import Document

MAX_WORDS = 120
MIN_WORDS = 25
# A passage is also at most this many characters (120 words of ordinary text are under 1,000).
# A card quotes its passage on the event loop every agent shares: a passage of one
# megabyte-long "word", or of thousands of one-word paragraphs packed together, held it for
# seconds.
MAX_CHARS = 2_000

# The text ends with a character that is not a space or tab, or is empty: this is linear
# where a plain ``(.*?)`` was quadratic in a long run of white space (server/kb/formats.py).
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+((?:.*?[^ \t])??)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LIST_ITEM = re.compile(r"^\s*([-*+•]|\d+[.)])\s")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# A heading-like line is short; the importer drops Markdown markers and flattens HTML, so a
# heading often arrives as a bare line like "Check the lights first".
_HEADING_MAX_WORDS = 8
_HEADING_MAX_CHARS = 80


@dataclass(frozen=True, slots=True)
class Chunk:
    """One passage of a document, as indexed and quoted."""

    document_id: str
    title: str
    heading: str
    body: str

    @property
    def text(self) -> str:
        """What is indexed: the title and heading give a passage its context."""
        return "\n".join(part for part in (self.title, self.heading, self.body) if part)


@dataclass
class _Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)


def chunk_document(document: Document) -> list[Chunk]:
    """The document's passages in reading order; at least one, so its title stays findable."""
    chunks = [
        Chunk(document.external_id, document.title, section.heading, body)
        for section in _sections(document.body)
        for packed in _pack(_pieces(section.paragraphs))
        for body in _bounded(packed)
    ]
    return chunks or [Chunk(document.external_id, document.title, "", "")]


def _sections(body: str) -> list[_Section]:
    sections = [_Section("")]
    paragraph: list[str] = []
    lines = body.splitlines()
    # Whether a line has content after it, known for every line from where the last one is
    # (looking ahead from each line was quadratic in a body of many short lines).
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    in_fence = previous_was_heading = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _heading(lines, index, previous_was_heading, last)
        previous_was_heading = heading is not None
        if heading is not None or not line.strip():
            _close(sections[-1], paragraph)
            paragraph = []
            if heading is not None:
                sections.append(_Section(heading))
        else:
            paragraph.append(line.rstrip())
    _close(sections[-1], paragraph)
    return [section for section in sections if section.paragraphs]


def _close(section: _Section, paragraph: list[str]) -> None:
    if paragraph:
        section.paragraphs.append("\n".join(paragraph))


def _heading(lines: list[str], index: int, previous_was_heading: bool, last: int) -> str | None:
    """The heading text if ``lines[index]`` is a heading, else None (``last``: the index of
    the last line with content)."""
    line = lines[index].strip()
    if match := _ATX_HEADING.match(lines[index]):
        return match[1].strip()
    if not line or _LIST_ITEM.match(line) or line[-1] in ".,;:!?)" or not line[0].isupper():
        return None
    if len(line) > _HEADING_MAX_CHARS or len(line.split()) > _HEADING_MAX_WORDS:
        return None
    # A wrapped sentence's short last line follows a line that does not end a sentence.
    before = lines[index - 1].strip() if index else ""
    starts_block = (
        not before or previous_was_heading or before[-1] in ".!?:" or bool(_LIST_ITEM.match(before))
    )
    # A heading introduces something; a short last line of a document introduces nothing.
    return line if starts_block and index < last else None


def _pieces(paragraphs: list[str]) -> Iterator[str]:
    for paragraph in paragraphs:
        yield from _split(paragraph, MAX_WORDS)


def _split(text: str, limit: int) -> list[str]:
    """``text`` cut into parts of at most ``limit`` words at the coarsest boundary that works."""
    if _count(text) <= limit:
        return [text]
    for units, joiner in ((text.split("\n"), "\n"), (_SENTENCE_END.split(text), " ")):
        if len(units) > 1:
            return [part for unit in _greedy(units, limit, joiner) for part in _split(unit, limit)]
    tokens = text.split()
    return [" ".join(tokens[i : i + limit]) for i in range(0, len(tokens), limit)]


def _greedy(units: list[str], limit: int, joiner: str) -> list[str]:
    """Consecutive units joined while they fit in ``limit`` words."""
    parts: list[list[str]] = [[]]
    for unit in units:
        if parts[-1] and _count(joiner.join([*parts[-1], unit])) > limit:
            parts.append([])
        parts[-1].append(unit)
    return [joiner.join(part) for part in parts if part]


def _pack(pieces: Iterator[str]) -> list[str]:
    """Pieces of one section packed into passages; a tiny piece always joins its neighbour."""
    # Pieces are joined once at the end: adding to a growing string copied it per piece.
    packed: list[list[str]] = []
    size = 0
    for piece in pieces:
        words = _count(piece)
        if packed and (size < MIN_WORDS or words < MIN_WORDS or size + words <= MAX_WORDS):
            packed[-1].append(piece)
            size += words
        else:
            packed.append([piece])
            size = words
    return ["\n\n".join(passage) for passage in packed]


def _bounded(passage: str) -> list[str]:
    """``passage`` cut into parts of at most ``MAX_CHARS`` characters, at white space where
    there is some (a longer word is cut where the limit falls); most passages are one part."""
    if len(passage) <= MAX_CHARS:
        return [passage]
    parts: list[str] = []
    start = 0
    while len(passage) - start > MAX_CHARS:
        end = start + MAX_CHARS
        space = max(passage.rfind(" ", start, end + 1), passage.rfind("\n", start, end + 1))
        if space > start:
            parts.append(passage[start:space].strip())
            start = space + 1
        else:
            parts.append(passage[start:end])
            start = end
    parts.append(passage[start:].strip())
    return [part for part in parts if part]


def _count(text: str) -> int:
    return len(text.split())
