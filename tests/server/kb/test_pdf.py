"""PDF articles: title from metadata or the first line, text of every page, clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from server.errors import InvalidInput
from server.kb import load_folder
from server.kb.formats import MAX_PDF_CONTENT_BYTES
from tests.fixtures.pdfs import make_pdf, shared_stream_pdf


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
