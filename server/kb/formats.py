"""Turn the text of one knowledge-base file into a title and a readable body, per format."""

from __future__ import annotations

import io
import math
import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Protocol

from pypdf import PageObject, PdfReader
from pypdf.errors import PyPdfError

# The heading's text ends with a character that is not a space or tab (or is empty): tried at
# every character, the closing "#"s and trailing space were looked for along the whole run of
# white space after each, quadratic in a line like "# a \t \t \t ...x" (a 16 KB line held
# the GIL, and with it the event loop, for 2 s; a 2 MB one for hours). Same matches.
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+((?:.*?[^ \t])??)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_SPACES = re.compile(r"[ \t\f\v\r\xa0]+")

# Elements whose text is never shown to a reader of the page.
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "svg", "head"})
# Elements that start a new line when the page is read as text.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "tr", "ul",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_LIST_TAGS = frozenset({"ol", "ul"})
# A list marker with nothing after it: an empty <li>.
_EMPTY_ITEM = re.compile(r"^\s*(?:-|\d+\.)$")
# Marks a nested list level while the page is read; never in a body.
_INDENT = "\ue000"
# HTML is fed to the parser in pieces this long, so a deadline is noticed while it reads.
_HTML_CHUNK = 64 * 1024
# Nested list levels a body shows by indentation; deeper ones sit at this level.
MAX_LIST_INDENT = 8


@dataclass(frozen=True, slots=True)
class ParsedText:
    """A file's title and body; either may be empty when the file has none."""

    title: str
    body: str


class TooSlowToRead(ValueError):
    """Reading a file went on past its deadline (a few kilobytes of PDF can take minutes)."""


def check_deadline(deadline: float) -> None:
    """:class:`TooSlowToRead` once ``time.monotonic()`` has passed ``deadline``."""
    if time.monotonic() > deadline:
        raise TooSlowToRead("takes too long to read; upload it alone, or split it")


def first_line(text: str) -> str:
    """The first non-blank line of ``text``, stripped; empty if there is none."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def tidy_lines(lines: list[str]) -> str:
    """Join lines, collapsing runs of blank lines and trimming the ends."""
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class TextParser(Protocol):
    """Reads a text file; :class:`TooSlowToRead` once ``time.monotonic()`` passes ``deadline``."""

    def __call__(self, text: str, /, *, deadline: float = ...) -> ParsedText: ...


class BinaryParser(Protocol):
    """Reads a binary file; :class:`TooSlowToRead` once ``time.monotonic()`` passes ``deadline``."""

    def __call__(self, data: bytes, /, *, deadline: float = ...) -> ParsedText: ...


def parse_markdown(text: str, *, deadline: float = math.inf) -> ParsedText:
    """Title from the first ``# `` heading (else the first line); body without heading markers."""
    check_deadline(deadline)
    lines = text.splitlines()
    title_index = _first_h1(lines)
    if title_index is None:
        return ParsedText(title=_drop_heading_marker(first_line(text)), body=_md_body(lines))
    title = _drop_heading_marker(lines[title_index])
    return ParsedText(title=title, body=_md_body(lines[:title_index] + lines[title_index + 1 :]))


def _first_h1(lines: list[str]) -> int | None:
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _ATX_HEADING.match(line)) and match[1] == "#":
            return index
    return None


def _md_body(lines: list[str]) -> str:
    # Heading markers are noise for readers and search, but the heading text is kept; lines
    # inside code fences are left alone because a "#" there is a comment, not a heading.
    out: list[str] = []
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
        out.append(line if in_fence else _drop_heading_marker(line))
    return tidy_lines(out)


def _drop_heading_marker(line: str) -> str:
    match = _ATX_HEADING.match(line)
    return match[2].strip() if match else line


def parse_plain_text(text: str, *, deadline: float = math.inf) -> ParsedText:
    """Title from the first non-blank line; the body is everything after it."""
    check_deadline(deadline)
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip():
            return ParsedText(title=line.strip(), body=tidy_lines(lines[index + 1 :]))
    return ParsedText(title="", body="")


def parse_html(text: str, *, deadline: float = math.inf) -> ParsedText:
    """Title from ``<title>`` (else the first ``<h1>``); body is the visible text only.

    Raises :class:`TooSlowToRead` once ``time.monotonic()`` passes ``deadline``.
    """
    extractor = _VisibleText()
    text = _closed_markup(text)
    try:
        for start in range(0, len(text), _HTML_CHUNK):
            check_deadline(deadline)
            extractor.feed(text[start : start + _HTML_CHUNK])
        extractor.close()
    except AssertionError as err:
        # html.parser asserts on some broken declarations ("<![" not followed by a name).
        raise UnreadableHtml("is not readable HTML (a broken <! declaration)") from err
    body = extractor.body()
    title = extractor.title or extractor.h1 or first_line(body)
    return ParsedText(title=title, body=body)


class UnreadableHtml(ValueError):
    """An HTML file the parser cannot read (a declaration it does not understand)."""


def _closed_markup(text: str) -> str:
    """``text`` with each "<" after its last ">" written as ``&lt;``, which reads the same.

    Such a "<" starts a tag that never ends: html.parser reads it as text only when the file
    is closed, and looks for the tag's end again from each one, to the end of the file. That
    was quadratic: 150 KB of "<a " took four minutes of a worker, with the upload's deadline
    checked only between pieces of the file.
    """
    last = text.rfind(">")
    return text[: last + 1] + text[last + 1 :].replace("<", "&lt;")


class _VisibleText(HTMLParser):
    """Collects the text a browser would render, plus the page title and first heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._chunks: list[str] = []
        self._hidden_depth = 0
        self._capture: str | None = None
        # One entry per open list: the next item's number in an <ol>, None in a <ul>.
        self._lists: list[int | None] = []
        # An item marker was written and its text has not come yet: a <p> inside the <li>
        # must not push the text onto a line of its own, away from its number.
        self._item_open = False
        self._captured: list[str] = []
        self.title = ""
        self.h1 = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Track hidden regions, headings and line breaks as elements open."""
        if tag == "body":
            # An unclosed <head> ends where <body> begins.
            self._hidden_depth = 0
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        if (tag == "title" and not self.title) or (tag == "h1" and not self.h1):
            self._capture, self._captured = tag, []
        if self._hidden_depth:
            return
        if tag in _LIST_TAGS:
            self._lists.append(_list_start(attrs) if tag == "ol" else None)
        if tag == "li":
            self._chunks.append(self._item_marker(attrs))
        else:
            self._break(tag, opening=True)

    def handle_endtag(self, tag: str) -> None:
        """Close hidden regions and captured headings."""
        if tag in _HIDDEN_TAGS and self._hidden_depth:
            self._hidden_depth -= 1
        if tag == self._capture:
            self._finish_capture(tag)
        if tag in _LIST_TAGS and self._lists and not self._hidden_depth:
            self._lists.pop()
        if tag == "li":
            self._item_open = False
        self._break(tag, opening=False)

    def handle_data(self, data: str) -> None:
        """Keep text outside hidden regions; the title is captured even inside <head>."""
        if self._capture is not None:
            self._captured.append(data)
        if not self._hidden_depth:
            self._chunks.append(data)
            self._item_open = self._item_open and not data.strip()

    def _finish_capture(self, tag: str) -> None:
        text = _SPACES.sub(" ", "".join(self._captured)).strip()
        if tag == "title":
            self.title = text
        else:
            self.h1 = text
        self._capture = None

    def _item_marker(self, attrs: list[tuple[str, str | None]]) -> str:
        """The marker of a list item: its number in an ordered list (so steps read as a
        procedure), else a dash."""
        number = self._lists[-1] if self._lists else None
        self._item_open = True
        # Deeper lists are not indented further: each item's indent grew with the depth, so
        # 72 KB of "<ol><li>" made a 64 MB body (quadratic) before its size was checked.
        indent = _INDENT * min(len(self._lists) - 1, MAX_LIST_INDENT)
        if number is None:
            return f"\n{indent}- "
        number = _int_attr(attrs, "value", number)
        self._lists[-1] = number + 1
        return f"\n{indent}{number}. "

    def _break(self, tag: str, *, opening: bool) -> None:
        if self._hidden_depth:
            return
        if tag in _BLOCK_TAGS and not (opening and self._item_open):
            self._chunks.append("\n")
        elif tag in _CELL_TAGS and not opening:
            self._chunks.append(" | ")

    def body(self) -> str:
        """The collected visible text, one line per block, spaces collapsed."""
        raw = "".join(self._chunks).split("\n")
        lines = (_indented(_SPACES.sub(" ", line).strip().rstrip(" |")) for line in raw)
        return "\n".join(line for line in lines if line.strip() and not _EMPTY_ITEM.match(line))


def _indented(line: str) -> str:
    """A nested list item indented two spaces a level, so it reads as part of its parent item
    (a sub-bullet does not end a numbered procedure)."""
    text = line.lstrip(_INDENT + " ")
    return "  " * (len(line) - len(line.lstrip(_INDENT))) + text


def _list_start(attrs: list[tuple[str, str | None]]) -> int:
    return _int_attr(attrs, "start", 1)


# An HTML list number: ASCII digits, as a browser reads them, and few enough to show.
# (``str.isdigit`` also takes "²", and 5,000 digits are past what ``int`` converts: both
# raised ValueError out of the import, a 500 for the admin who uploaded the page.)
_LIST_NUMBER = re.compile(r"\s*(-?[0-9]{1,9})\s*")


def _int_attr(attrs: list[tuple[str, str | None]], name: str, default: int) -> int:
    """An integer attribute (``<ol start="3">``, ``<li value="5">``), else ``default``."""
    match = _LIST_NUMBER.fullmatch(dict(attrs).get(name) or "")
    return int(match[1]) if match else default


PARSERS: dict[str, TextParser] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_plain_text,
    ".html": parse_html,
    ".htm": parse_html,
}


# Text extraction walks every drawing operator on a page. A few kilobytes of PDF can stand for
# far more of them (a 1000:1 deflated stream, one stream shared by every page), which would
# keep a worker busy for minutes; a long manual's pages hold a small part of this.
MAX_PDF_CONTENT_BYTES = 8 * 1024 * 1024


class UnreadablePdf(ValueError):
    """A PDF whose text cannot be extracted: encrypted, damaged, or images only."""


def parse_pdf(data: bytes, *, deadline: float = math.inf) -> ParsedText:
    """Title from the document's metadata (else the first line); the text of every page.

    Raises :class:`UnreadablePdf` for encrypted or damaged files and for files without text
    (scanned pages need OCR first), :class:`TooSlowToRead` once ``time.monotonic()`` passes
    ``deadline`` (checked between pages).
    """
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadablePdf("is encrypted; export an unprotected copy")
        pages = _page_texts(reader, deadline)
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (UnreadablePdf, TooSlowToRead):
        raise
    # PyPdfError: pypdf's own root, including the limits it puts on decompressing and parsing.
    except (PyPdfError, KeyError, TypeError, ValueError) as err:
        # pypdf reports some malformed structures with builtin errors rather than its own.
        raise UnreadablePdf(f"is not a readable PDF ({type(err).__name__})") from err
    lines = [line.rstrip() for page in pages for line in (*page.splitlines(), "")]
    body = tidy_lines(lines)
    if not body:
        raise UnreadablePdf("has no text (a scan? run it through OCR first)")
    title = _SPACES.sub(" ", str(meta_title)).strip()
    if title:
        return ParsedText(title=title, body=body)
    text = parse_plain_text(body)
    return ParsedText(title=text.title, body=text.body or body)


def _page_texts(reader: PdfReader, deadline: float) -> list[str]:
    """Every page's text; refused up front when the pages' content outgrows the budget."""
    left = MAX_PDF_CONTENT_BYTES
    for page in reader.pages:
        contents = page.get_contents()
        left -= 0 if contents is None else len(contents.get_data())
        if left < 0:
            budget = MAX_PDF_CONTENT_BYTES // (1024 * 1024)
            raise UnreadablePdf(f"has more page content than cuecard reads ({budget} MiB)")
    return [_page_text(page, deadline) for page in reader.pages]


def _page_text(page: PageObject, deadline: float) -> str:
    check_deadline(deadline)
    return page.extract_text() or ""


BINARY_PARSERS: dict[str, BinaryParser] = {".pdf": parse_pdf}
