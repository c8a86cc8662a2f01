"""Tests for loading a folder of articles into knowledge-base documents."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.assist.chunking import chunk_document
from server.assist.steps import procedures
from server.errors import InvalidInput
from server.kb import iter_documents, load_folder
from server.kb.formats import parse_markdown
from server.kb.loader import read_upload
from tests.server.assist.conftest import document

HTML_PAGE = """<!DOCTYPE html>
<html><head>
  <title>Card declined &amp; failed payments</title>
  <style>body { color: red; }</style>
  <script>var secretTracking = "do-not-index";</script>
</head>
<body>
  <h1>Payment failed</h1>
  <p>We retry   after <strong>5 days</strong>.</p>
  <ul><li>Check the expiry date</li><li>Call your bank</li></ul>
  <script>console.log("hidden");</script>
  <noscript>Turn on JavaScript</noscript>
</body></html>
"""


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A small folder with one article per format, one in a subfolder."""
    write(
        tmp_path / "router.md",
        "# Router keeps dropping\n\nRestart it.\n\n## Lights\n\nWhite is good.",
    )
    write(tmp_path / "billing" / "card-declined.html", HTML_PAGE)
    write(tmp_path / "voicemail.txt", "\n  Voicemail setup  \n\nCall 1571.\nPick a PIN.\n")
    write(tmp_path / "notes.docx", "not an article")
    write(tmp_path / ".drafts" / "secret.md", "# Draft\n\nNot yet.\n")
    return tmp_path


def test_loads_supported_files_sorted_with_subfolder_ids(kb: Path) -> None:
    ids = [doc.external_id for doc in load_folder(kb)]
    assert ids == ["billing/card-declined", "router", "voicemail"]


def test_iter_documents_matches_load_folder(kb: Path) -> None:
    assert list(iter_documents(kb)) == load_folder(kb)


def test_markdown_title_and_body_without_heading_markers(kb: Path) -> None:
    doc = load_folder(kb)[1]
    assert doc.title == "Router keeps dropping"
    assert doc.body == "Restart it.\n\nLights\n\nWhite is good."


def test_markdown_keeps_hash_lines_inside_code_fences(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# Title\n\n```\n# a shell comment\n```\n")
    assert load_folder(tmp_path)[0].body == "```\n# a shell comment\n```"


def test_markdown_without_heading_uses_first_line(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "Resetting a hub\nHold the button for 20 seconds.\n")
    assert load_folder(tmp_path)[0].title == "Resetting a hub"


def test_text_title_is_first_non_empty_line(kb: Path) -> None:
    doc = load_folder(kb)[2]
    assert doc.title == "Voicemail setup"
    assert doc.body == "Call 1571.\nPick a PIN."


def test_html_title_and_visible_text_only(kb: Path) -> None:
    doc = load_folder(kb)[0]
    assert doc.title == "Card declined & failed payments"
    assert doc.body == (
        "Payment failed\nWe retry after 5 days.\n- Check the expiry date\n- Call your bank"
    )


def test_html_falls_back_to_first_h1(tmp_path: Path) -> None:
    write(tmp_path / "a.htm", "<body><h1>Returns <em>policy</em></h1><p>14 days.</p></body>")
    doc = load_folder(tmp_path)[0]
    assert (doc.title, doc.body) == ("Returns policy", "Returns policy\n14 days.")


ORDERED_PAGE = """<html><body>
  <h2>Paying by card</h2>
  <ol>
    <li><p>Sign in and go to <em>Billing &gt; Make a payment</em>.</p></li>
    <li>Enter a valid card.</li>
    <li>Approve the payment in your banking app.<ul><li>Or by text message</li></ul></li>
  </ol>
  <ol start="4"><li>Wait for the confirmation email.</li></ol>
</body></html>
"""


def test_html_ordered_lists_keep_their_numbers(tmp_path: Path) -> None:
    write(tmp_path / "pay.html", ORDERED_PAGE)
    assert load_folder(tmp_path)[0].body == (
        "Paying by card\n"
        "1. Sign in and go to Billing > Make a payment.\n"
        "2. Enter a valid card.\n"
        "3. Approve the payment in your banking app.\n"
        "  - Or by text message\n"
        "4. Wait for the confirmation email."
    )


def test_an_html_article_with_an_ordered_list_gets_a_step_card(tmp_path: Path) -> None:
    write(tmp_path / "pay.html", ORDERED_PAGE)
    [procedure] = procedures(load_folder(tmp_path)[0])
    assert procedure.heading == "Paying by card"
    # The sub-bullet under step 3 does not end the procedure; the second list continues it.
    assert procedure.steps == (
        "Sign in and go to Billing > Make a payment.",
        "Enter a valid card.",
        "Approve the payment in your banking app.",
        "Wait for the confirmation email.",
    )


def test_updated_at_is_file_mtime_in_utc(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Title\nBody")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert load_folder(tmp_path)[0].updated_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_url_joins_base_url_and_external_id(kb: Path) -> None:
    docs = load_folder(kb, base_url="https://help.example.com/articles")
    assert [str(doc.url) for doc in docs] == [
        "https://help.example.com/articles/billing/card-declined",
        "https://help.example.com/articles/router",
        "https://help.example.com/articles/voicemail",
    ]
    assert all(doc.url is None for doc in load_folder(kb))


def test_bad_base_url_is_rejected(kb: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_folder(kb, base_url="help.example.com")
    assert caught.value.field == "base_url"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sub/empty.md", "  \n\n", r"sub/empty\.md is empty"),
        ("title-only.txt", "Just a title\n", r"title-only\.txt has a title but no body"),
        ("scripts-only.html", "<script>x()</script>", r"scripts-only\.html is empty"),
    ],
)
def test_empty_files_raise_naming_the_file(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    write(tmp_path / "good.md", "# Good\n\nFine.")
    write(tmp_path / name, content)
    with pytest.raises(InvalidInput, match=message) as caught:
        load_folder(tmp_path)
    assert caught.value.field == name


def test_non_utf8_file_raises_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 opening hours\nBody".encode("latin-1"))
    with pytest.raises(InvalidInput, match=r"latin1\.txt is not UTF-8") as caught:
        load_folder(tmp_path)
    assert caught.value.field == "latin1.txt"


def test_clashing_external_ids_raise(tmp_path: Path) -> None:
    write(tmp_path / "faq.md", "# FAQ\n\nOne.")
    write(tmp_path / "faq.txt", "FAQ\nTwo.")
    with pytest.raises(InvalidInput, match="share the external id 'faq'"):
        load_folder(tmp_path)


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_folder(tmp_path / "nope")
    assert caught.value.field == "folder"


def test_progress_bar_goes_to_stderr(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_folder(kb, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "3/3" in captured.err


def test_tags_that_never_end_are_read_in_linear_time() -> None:
    # html.parser looked for the end of each unfinished tag again from every "<" (quadratic):
    # 24 KB of "<a " took seven seconds of an import worker, 150 KB four minutes.
    for tail in ("<a " * 8000, '<a b="' * 4000, "<a/" * 8000, "</" * 40_000):
        started = time.perf_counter()
        document = read_upload("page.html", f"<title>Page</title><p>Body</p>{tail}".encode())
        assert time.perf_counter() - started < 1.0
        assert document.body.startswith("Page\nBody\n")


def test_an_unfinished_tag_at_the_end_still_reads_as_text() -> None:
    document = read_upload("page.html", b"<title>Page</title><p>Use a < b</p>then <b")
    assert document.body == "Page\nUse a < b\nthen <b"


def test_deeply_nested_lists_make_a_body_as_long_as_the_page() -> None:
    # Each item was indented by its depth: 72 KB of "<ol><li>x" made a 64 MB body.
    page = "<title>Deep</title>" + "<ol><li>x" * 8000
    body = read_upload("deep.html", page.encode()).body
    assert len(body) < 3 * len(page)
    assert body.splitlines()[1:4] == ["1. x", "  1. x", "    1. x"]


def test_a_broken_declaration_is_refused_naming_the_file() -> None:
    with pytest.raises(InvalidInput, match=r"^odd\.html is not readable HTML") as raised:
        read_upload("odd.html", b"<title>Odd</title><p>text</p><![<![ x>")
    assert raised.value.field == "files"


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("# Refunds", "Refunds"),
        ("# Refunds ##", "Refunds"),
        ("#  Refunds #  \t", "Refunds"),
        ("# Refunds#", "Refunds#"),
        ("# #", "#"),
        ("# C# tips  #", "C# tips"),
    ],
)
def test_markdown_heading_text_without_its_closing_hashes(line: str, title: str) -> None:
    assert parse_markdown(f"{line}\n\nBody text.").title == title
    assert chunk_document(document("page", "Page", f"{line}\n\nBody text."))[0].heading == title


def test_a_heading_with_a_long_run_of_white_space_is_read_in_linear_time() -> None:
    # One regular expression call, holding the GIL (so the event loop too): 8 s for this line.
    line = "# a" + " \t" * 16_000 + "x"
    started = time.perf_counter()
    parsed = parse_markdown(f"{line}\n\nBody text.")
    chunks = chunk_document(document("page", "Page", f"Intro.\n\n{line}\n\nBody text."))
    assert time.perf_counter() - started < 1.0
    assert parsed.title[0] + parsed.title[-1] == "ax"
    assert chunks[-1].heading == parsed.title
