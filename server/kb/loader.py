"""Load a folder of Markdown, plain-text, HTML and PDF articles as knowledge-base documents.

Files are read recursively in sorted order, so the same folder always yields the same
documents in the same order. Hidden files and folders (names starting with ``.``) and
files with other extensions are ignored.

A file that cannot be imported (unreadable, not UTF-8, empty, with no body, an encrypted or
text-less PDF, or whose
external id clashes with another file's) stops the whole load with
:class:`server.errors.InvalidInput` whose ``field`` is the file's path relative to the
folder: a half-imported knowledge base is harder to notice than a failed import.

Example::

    >>> docs = load_folder(Path("server/demo/kb"), base_url="https://help.example.com/")
    >>> docs[0].external_id, str(docs[0].url)
    ('bill-higher-than-expected', 'https://help.example.com/bill-higher-than-expected')
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from pydantic import AnyHttpUrl, TypeAdapter, ValidationError
from tqdm import tqdm

from server.errors import InvalidInput
from server.kb.formats import (
    BINARY_PARSERS,
    PARSERS,
    ParsedText,
    TooSlowToRead,
    UnreadableHtml,
    UnreadablePdf,
)
from server.store.models import DocumentIn

SUPPORTED_SUFFIXES: tuple[str, ...] = (*PARSERS, *BINARY_PARSERS)

_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)


def load_folder(
    folder: Path, *, base_url: str | None = None, progress: bool = False
) -> list[DocumentIn]:
    """Read every supported file under ``folder``; show a progress bar on stderr if asked."""
    paths = list_files(folder)
    with tqdm(
        paths, desc="Loading articles", unit="file", file=sys.stderr, disable=not progress
    ) as bar:
        return list(_documents(folder, bar, base_url))


def iter_documents(folder: Path, *, base_url: str | None = None) -> Iterator[DocumentIn]:
    """Yield a document for every supported file under ``folder``, in sorted path order."""
    yield from _documents(folder, list_files(folder), base_url)


def list_files(folder: Path) -> list[Path]:
    """The supported, non-hidden files under ``folder``, sorted by relative path."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder} is not a folder", field="folder")
    found = (
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in SUPPORTED_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())


def read_document(folder: Path, path: Path, *, base_url: str | None = None) -> DocumentIn:
    """Read one file under ``folder`` as a document."""
    relative = path.relative_to(folder).as_posix()
    parsed = _parse(path, relative)
    _require_content(parsed, relative)
    external_id = external_id_for(folder, path)
    try:
        return DocumentIn(
            external_id=external_id,
            title=parsed.title,
            body=parsed.body,
            url=_join_url(base_url, external_id),
            updated_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
        )
    except ValidationError as err:
        problem = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in err.errors())
        raise InvalidInput(f"{relative}: {problem}", field=relative) from err


def read_upload(filename: str, data: bytes, *, deadline: float = math.inf) -> DocumentIn:
    """One uploaded file as a document whose external id is the file name without extension.

    :class:`InvalidInput` naming the file if its type is not supported, it has no text, or
    reading it goes on past ``deadline`` (a ``time.monotonic()`` value).
    """
    name = Path(filename).name
    suffix = Path(name).suffix.lower()
    if not name or suffix not in SUPPORTED_SUFFIXES:
        raise InvalidInput(
            f"{name or 'a file'}: not a supported type ({', '.join(SUPPORTED_SUFFIXES)})",
            field="files",
        )
    try:
        parsed = _parse_bytes(suffix, data, name, deadline)
        _require_content(parsed, name)
        return DocumentIn(external_id=Path(name).stem, title=parsed.title, body=parsed.body)
    except InvalidInput as err:
        raise InvalidInput(err.message, field="files") from err
    except ValidationError as err:
        problem = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in err.errors())
        raise InvalidInput(f"{name}: {problem}", field="files") from err


def _parse_bytes(suffix: str, data: bytes, name: str, deadline: float) -> ParsedText:
    try:
        if suffix in BINARY_PARSERS:
            return BINARY_PARSERS[suffix](data, deadline=deadline)
        return PARSERS[suffix](data.decode("utf-8-sig"), deadline=deadline)
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{name} is not UTF-8 text") from err
    except (UnreadablePdf, UnreadableHtml, TooSlowToRead) as err:
        raise InvalidInput(f"{name} {err}") from err


def external_id_for(folder: Path, path: Path) -> str:
    """The path relative to ``folder`` without its extension, with ``/`` separators."""
    return path.relative_to(folder).with_suffix("").as_posix()


def _documents(folder: Path, paths: Iterable[Path], base_url: str | None) -> Iterator[DocumentIn]:
    if base_url is not None:
        _check_base_url(base_url)
    owners: dict[str, Path] = {}
    for path in paths:
        document = read_document(folder, path, base_url=base_url)
        if (other := owners.setdefault(document.external_id, path)) != path:
            relative = path.relative_to(folder).as_posix()
            raise InvalidInput(
                f"{relative} and {other.relative_to(folder).as_posix()} share the external id "
                f"{document.external_id!r}; rename one of them",
                field=relative,
            )
        yield document


def _parse(path: Path, relative: str) -> ParsedText:
    suffix = path.suffix.lower()
    if suffix not in BINARY_PARSERS:
        try:
            return PARSERS[suffix](_read_text(path, relative))
        except UnreadableHtml as err:
            raise InvalidInput(f"{relative} {err}", field=relative) from err
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InvalidInput(f"{relative} cannot be read: {err.strerror}", field=relative) from err
    try:
        return BINARY_PARSERS[suffix](data)
    except UnreadablePdf as err:
        raise InvalidInput(f"{relative} {err}", field=relative) from err


def _read_text(path: Path, relative: str) -> str:
    try:
        # utf-8-sig drops the byte-order mark some editors on Windows put at the start.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{relative} is not UTF-8 text", field=relative) from err
    except OSError as err:
        raise InvalidInput(f"{relative} cannot be read: {err.strerror}", field=relative) from err


def _require_content(parsed: ParsedText, relative: str) -> None:
    # PostgreSQL cannot store NUL in text: say which file holds one, not that the database
    # refused a value (the REST API refuses it in JSON bodies the same way).
    if "\x00" in parsed.title or "\x00" in parsed.body:
        raise InvalidInput(f"{relative}: must not contain NUL characters", field=relative)
    if not parsed.title:
        raise InvalidInput(f"{relative} is empty", field=relative)
    if not parsed.body:
        raise InvalidInput(f"{relative} has a title but no body text", field=relative)


def _check_base_url(base_url: str) -> None:
    try:
        _URL.validate_python(base_url)
    except ValidationError as err:
        raise InvalidInput(f"{base_url!r} is not an http(s) URL", field="base_url") from err


def _join_url(base_url: str | None, external_id: str) -> str | None:
    if base_url is None:
        return None
    return f"{base_url.rstrip('/')}/{quote(external_id)}"


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "document"
