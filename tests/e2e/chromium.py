"""Debian's Chromium as every browser test launches it (never a downloaded browser)."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage

CHROMIUM = "/usr/bin/chromium"
# This machine's network is closed: without these flags Chromium keeps trying Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def record_console_error(message: ConsoleMessage, problems: list[str]) -> None:
    """Collect a page's console errors, so a test can assert there were none."""
    if message.type == "error":
        problems.append(f"console: {message.text}")
