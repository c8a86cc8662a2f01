"""server/ names no platform: what a platform does lives in its providers/<name>/ folder.

The server reaches every platform through the registry (providers/registry.py) and the
contract (providers/base.py), so adding a platform never touches it. This scans the server's
Python files, and the widget's server half, for any registered or planned platform's name or
display name, case-insensitively, as a word (``genesys``, ``GenesysTokens``, ``GENESYS_LOGIN``
all count; ``genesysx`` does not). Code, comments and docstrings all count.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from providers.registry import PLANNED, PLATFORMS

REPOSITORY = Path(__file__).parents[2]
SCANNED = [
    *sorted((REPOSITORY / "server").rglob("*.py")),
    *sorted((REPOSITORY / "widget").glob("*.py")),
]
NAMES = sorted(
    {
        name.casefold()
        for name in (
            *PLATFORMS,
            *(manifest.display_name for manifest in PLATFORMS.values()),
            *PLANNED,
            *(plan.display_name for plan in PLANNED.values()),
        )
    }
)
# The only places that may name a platform, and why. Nothing else: not even an example.
ALLOWED = {
    ("server/cli/demo.py", "simulator"): "the demo replays the simulator's scripts by design",
}


def _word(name: str) -> re.Pattern[str]:
    # Case-insensitive name; the right boundary is case-sensitive so that CamelCase
    # (GenesysTokens) and snake_case (genesys_login) still count as the word.
    return re.compile(rf"(?<![A-Za-z0-9])(?i:{re.escape(name)})(?![a-z0-9])")


def _hits() -> list[tuple[str, int, str]]:
    found = []
    for path in SCANNED:
        relative = path.relative_to(REPOSITORY).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [(relative, number, name) for name in NAMES if _word(name).search(line)]
    return found


def test_no_platform_is_named_in_the_server() -> None:
    named = [
        f"{path}:{line}: {name}" for path, line, name in _hits() if (path, name) not in ALLOWED
    ]
    assert named == []


def test_every_allowance_is_still_needed() -> None:
    used = {(path, name) for path, _, name in _hits()}
    assert set(ALLOWED) <= used, "drop allowances the code no longer needs"


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("from providers.genesys import x", True),
        ("class GenesysTokens:", True),
        ("GENESYS_LOGIN = 1", True),
        ("# like Salesforce Service Cloud does", True),
        ("a 8x8 desk", True),
        ("genesysx and five90", False),
    ],
)
def test_the_scan_recognises_a_name_as_a_word(line: str, named: bool) -> None:
    assert any(_word(name).search(line) for name in NAMES) is named
