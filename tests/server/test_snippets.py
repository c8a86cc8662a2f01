"""Suggestion snippets are plain text cut at a word boundary."""

from __future__ import annotations

from server.assist.lexical import SNIPPET_CHARS, plain_text, snippet


def test_markdown_is_removed() -> None:
    text = "## Refunds\n- Paid in **3 working days** to the `original card`, see [policy](https://x.example)."
    assert plain_text(text) == "Refunds Paid in 3 working days to the original card, see policy."


def test_numbered_steps_lose_their_markers() -> None:
    assert (
        plain_text("1. Unplug the router\n2. Wait 30 seconds")
        == "Unplug the router Wait 30 seconds"
    )


def test_long_passages_are_cut_at_a_word() -> None:
    trimmed = snippet("word " * 200)
    assert len(trimmed) <= SNIPPET_CHARS + 1
    assert trimmed.endswith("word…")
