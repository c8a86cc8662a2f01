"""PDF articles: title from metadata or the first line, text of every page, clear errors."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from server.errors import InvalidInput
from server.kb import load_folder
from server.kb.formats import MAX_PDF_CONTENT_BYTES


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF, written by hand: one Helvetica text stream per page."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree, filled in below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")  # 3
    kids = []
    for lines in pages:
        ops = "".join(f"({_escape(line)}) Tj T* " for line in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {ops}ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    info = None
    if title is not None:
        objects.append(b"<< /Title (%s) >>" % _escape(title).encode())
        info = len(objects)
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    trailer = b"/Size %d /Root 1 0 R" % (len(objects) + 1)
    if info is not None:
        trailer += b" /Info %d 0 R" % info
    out.write(b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref))
    return out.getvalue()


def shared_stream_pdf(content: bytes, pages: int) -> bytes:
    """A PDF whose ``pages`` pages all draw one deflated content stream."""
    stream = zlib.compress(content, 9)
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"4 0 R" for _ in range(pages)), pages),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        page,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def test_title_from_metadata_and_text_of_every_page(tmp_path: Path) -> None:
    pdf = make_pdf([["Hold the reset button."], ["Wait for the lights."]], title="Reset a router")
    (tmp_path / "router").mkdir()
    (tmp_path / "router" / "reset.pdf").write_bytes(pdf)

    [doc] = load_folder(tmp_path)

    assert (doc.external_id, doc.title) == ("router/reset", "Reset a router")
    assert "Hold the reset button." in doc.body
    assert "Wait for the lights." in doc.body


def test_title_from_the_first_line_without_metadata(tmp_path: Path) -> None:
    (tmp_path / "refunds.pdf").write_bytes(make_pdf([["Refunds policy", "Paid in five days."]]))

    [doc] = load_folder(tmp_path)

    assert doc.title == "Refunds policy"
    assert doc.body == "Paid in five days."


def test_an_encrypted_pdf_is_refused_by_name(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Secret"]]))))
    writer.encrypt("owner-password")
    output = io.BytesIO()
    writer.write(output)
    (tmp_path / "locked.pdf").write_bytes(output.getvalue())

    with pytest.raises(InvalidInput, match="encrypted") as caught:
        load_folder(tmp_path)
    assert caught.value.field == "locked.pdf"


@pytest.mark.parametrize(
    ("content", "problem"),
    [(make_pdf([[]]), "no text"), (b"%PDF-1.4 not really", "not a readable PDF")],
)
def test_empty_or_broken_pdfs_are_refused_by_name(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    (tmp_path / "scan.pdf").write_bytes(content)

    with pytest.raises(InvalidInput, match=problem) as caught:
        load_folder(tmp_path)
    assert caught.value.field == "scan.pdf"


def test_a_small_pdf_that_expands_past_the_content_budget_is_refused_by_name(
    tmp_path: Path,
) -> None:
    # A line of text, then a megabyte of line drawing, deflated 1000:1 and drawn on 9 pages:
    # reading it walks 9 MiB of operators. The budget holds whatever the page count: the same
    # few kilobytes on a thousand pages would be minutes of CPU.
    drawing = b"0 0 m 1 1 l S\n" * (1024 * 1024 // 14)
    pdf = shared_stream_pdf(b"BT /F1 12 Tf 72 720 Td (Plans) Tj ET\n" + drawing, pages=9)
    assert len(pdf) < 8 * 1024
    assert 9 * len(drawing) > MAX_PDF_CONTENT_BYTES
    (tmp_path / "plans.pdf").write_bytes(pdf)

    with pytest.raises(InvalidInput) as caught:
        load_folder(tmp_path)
    assert caught.value.field == "plans.pdf"
    assert caught.value.message == "plans.pdf has more page content than cuecard reads (8 MiB)"
