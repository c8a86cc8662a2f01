"""Snippets quote the passage where it matches and mark the matching words."""

from __future__ import annotations

import time

import pytest

from server.assist.analysis import terms, words
from server.assist.snippets import ELLIPSIS, SNIPPET_CHARS, highlights, plain_text, quote


def marked(text: str, spans: tuple[tuple[int, int], ...]) -> list[str]:
    return [text[start:end] for start, end in spans]


def test_highlights_point_at_the_matching_words() -> None:
    stems = set(terms("router dropping"))
    text = "If the Router keeps dropping, restart the router."

    assert marked(text, highlights(text, stems)) == ["Router", "dropping", "router"]


def test_quote_strips_markdown_and_highlights() -> None:
    quoted = quote("1. **Restart** the router\n2. Wait", set(terms("restart")))

    assert quoted.text == "Restart the router Wait"
    assert marked(quoted.text, quoted.highlights) == ["Restart"]


def test_a_long_passage_is_quoted_where_it_matches() -> None:
    filler = "Nothing relevant is said in this sentence at all. " * 10
    passage = filler + "Refunds reach your card in five days. " + filler

    quoted = quote(passage, set(terms("refund card")))

    assert quoted.text.startswith(ELLIPSIS + "Refunds reach your card")
    assert len(quoted.text) <= SNIPPET_CHARS + 2
    assert marked(quoted.text, quoted.highlights) == ["Refunds", "card"]


@pytest.mark.parametrize("mark", [".", "!", "?", "!!", "?!", "..."])
def test_a_sentence_after_any_closing_mark_can_open_the_quote(mark: str) -> None:
    filler = f"Nothing relevant is said in this sentence at all{mark} " * 10
    passage = filler + "Refunds reach your card in five days. " + filler

    quoted = quote(passage, set(terms("refund card")))

    assert quoted.text.startswith(ELLIPSIS + "Refunds reach your card")


def test_a_passage_of_one_long_sentence_is_quoted_from_its_start() -> None:
    passage = "One long sentence about " + "plain words and other things, " * 12 + "refunds"

    quoted = quote(passage, set(terms("refund")))

    assert quoted.text.startswith("One long sentence about")
    assert quoted.text.endswith(ELLIPSIS)
    assert quoted.highlights == ()  # the matching word is past the window


def test_words_are_runs_of_two_or_more_word_characters() -> None:
    text = "Wi-Fi on my iPhone_12, a é9 x Café"

    assert [(text[w.start : w.end], w.stem) for w in words(text)] == [
        ("Wi", "wi"),
        ("Fi", "fi"),
        ("iPhone_12", "iphone_12"),
        ("é9", "é9"),
        ("Café", "café"),
    ]


def test_no_matching_words_means_no_highlights() -> None:
    quoted = quote("The hub restarts by itself.", set(terms("internet")))

    assert quoted.highlights == ()


@pytest.mark.parametrize("query", ["router restart", "refund card", "wait hub lights", "nothing"])
@pytest.mark.parametrize("start_words", [0, 30, 70])
def test_quoted_highlights_are_the_words_of_the_window_that_match(
    query: str, start_words: int
) -> None:
    filler = " ".join(["plain words about other things"] * start_words)
    passage = (
        f"{filler} Restart the **router** and wait for the hub lights. A refund goes to the "
        f"card. {filler} The router restart is done."
    )
    stems = set(terms(query))

    quoted = quote(passage, stems)

    assert quoted.highlights == highlights(quoted.text, stems)


def test_markdown_is_removed() -> None:
    text = "## Refunds\n- Paid in **3 working days** to the `original card`, see [policy](https://x.example)."
    assert plain_text(text) == "Refunds Paid in 3 working days to the original card, see policy."


def test_numbered_steps_lose_their_markers() -> None:
    assert (
        plain_text("1. Unplug the router\n2. Wait 30 seconds")
        == "Unplug the router Wait 30 seconds"
    )


def test_long_passages_are_cut_at_a_word() -> None:
    trimmed = quote("word " * 200, set()).text
    assert len(trimmed) <= SNIPPET_CHARS + 1
    assert trimmed.endswith("word…")


def test_grammar_words_of_the_request_are_not_marked() -> None:
    passage = "If the router is not working, you may need to restart it."
    quoted = quote(passage, set(terms("my router is not working and i need help")))

    marked = {passage[a:b].lower() for a, b in quoted.highlights}
    assert marked == {"router", "working"}


def test_blank_lines_before_a_list_marker_are_read_once() -> None:
    # ``^\s*`` read the run of blank lines again from each of them: seconds for 20,000.
    started = time.perf_counter()
    assert plain_text("Intro" + "\n" * 20_000 + "then\n  \n- step two") == ("Intro then step two")
    assert time.perf_counter() - started < 1.0
    assert plain_text("a\n\n  1. first\n\t# Heading\n\n* b") == "a first Heading b"
