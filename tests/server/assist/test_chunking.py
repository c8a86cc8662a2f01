"""Documents are split by heading and paragraph; every passage knows its title and heading."""

from __future__ import annotations

import time

from server.assist.chunking import MAX_CHARS, MAX_WORDS, MIN_WORDS, chunk_document
from tests.server.assist.conftest import document

SENTENCE = "The hub restarts on its own when the line drops for a while. "


def test_markdown_headings_start_sections_and_are_carried() -> None:
    body = (
        "Intro paragraph about routers. " * 6
        + "\n\n## Check the lights\n\n"
        + "Orange means no sync. " * 8
        + "\n\n## Restart\n\n"
        + "Unplug it for thirty seconds. " * 8
    )
    chunks = chunk_document(document("router", "Router help", body))

    assert [c.heading for c in chunks] == ["", "Check the lights", "Restart"]
    assert all(c.title == "Router help" for c in chunks)
    assert chunks[1].text.startswith("Router help\nCheck the lights\nOrange means")
    assert "##" not in "".join(c.body for c in chunks)


def test_bare_heading_lines_from_the_importer_are_headings() -> None:
    # The importer drops "#" markers, and HTML arrives one block per line.
    body = (
        "Why payments fail\n- The card expired.\n- Not enough funds.\n"
        "Paying a failed bill\n- Sign in to the app and pay.\n- Use another card."
    )
    chunks = chunk_document(document("pay", "Payments", body))

    assert [c.heading for c in chunks] == ["Why payments fail", "Paying a failed bill"]


def test_a_wrapped_sentence_is_not_mistaken_for_a_heading() -> None:
    body = (
        "Refunds are paid to the original card within five days of the return reaching our\n"
        "Warehouse team\n\nMore text here."
    )
    chunks = chunk_document(document("r", "Refunds", body))

    assert [c.heading for c in chunks] == [""]


def test_tiny_paragraphs_are_merged() -> None:
    body = "\n\n".join(["Short one.", "Short two.", "Short three.", SENTENCE * 3])
    chunks = chunk_document(document("d", "T", body))

    assert len(chunks) == 1
    assert chunks[0].body.startswith("Short one.\n\nShort two.")


def test_huge_paragraphs_are_split_at_sentences() -> None:
    chunks = chunk_document(document("d", "T", SENTENCE * 60))

    assert len(chunks) > 1
    assert all(len(c.body.split()) <= MAX_WORDS + MIN_WORDS for c in chunks)
    assert all(c.body.rstrip().endswith(".") for c in chunks)
    assert " ".join(c.body for c in chunks).split() == (SENTENCE * 60).split()


def test_a_huge_run_without_sentences_is_cut_by_words() -> None:
    chunks = chunk_document(document("d", "T", "word " * 500))

    assert all(len(c.body.split()) <= MAX_WORDS + MIN_WORDS for c in chunks)
    assert sum(len(c.body.split()) for c in chunks) == 500


def test_a_document_with_no_text_still_has_its_title() -> None:
    chunks = chunk_document(document("d", "Only a title", "   \n\n  "))

    assert [(c.title, c.body) for c in chunks] == [("Only a title", "")]


def test_passages_stay_short_however_the_body_is_written() -> None:
    # A card quotes its passage on the event loop every agent shares; these made passages of
    # 100,000 characters (one "word") and of 30,000 one-word paragraphs packed together.
    for body in ("[" * 100_000, "x\n\n" * 30_000, ("word " * 60 + "a" * 5_000 + " ") * 20):
        chunks = chunk_document(document("hostile", "Hostile", body))
        assert max(len(chunk.body) for chunk in chunks) <= MAX_CHARS
        assert sum(len(chunk.body) for chunk in chunks) >= len(body.split()) // 2


def test_a_long_passage_is_cut_at_white_space() -> None:
    body = " ".join(f"word{i:04d}" for i in range(110)) + " " + "z" * 2_500
    bodies = [chunk.body for chunk in chunk_document(document("long", "Long", body))]
    assert bodies[0].split()[-1] == "word0109"  # cut before the long word, not inside a word
    assert [len(b) for b in bodies[1:]] == [MAX_CHARS, 500]


def test_many_short_capitalised_lines_are_read_in_linear_time() -> None:
    # Each line looked like a heading, and each looked at every line after it (quadratic: a
    # 2 MB body of such lines kept an import's worker busy for hours).
    body = "".join(f"Step{i}\n" for i in range(60_000)) + "The end."
    started = time.perf_counter()
    chunks = chunk_document(document("steps", "Steps", body))
    # Read linearly, this takes about a second on a slow CI machine (1.4 s seen); read
    # quadratically, minutes: the bound tells the two apart without racing the machine.
    assert time.perf_counter() - started < 10.0
    assert chunks[-1].body.endswith("The end.")
