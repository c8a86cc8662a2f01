"""Reading docker/: the compose file with its variables filled in, the Dockerfile's COPY lines,
and .dockerignore's patterns, as Docker reads them (the parts of it cuecard uses)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:[?-])(?P<arg>[^}]*))?\}")


def load_compose(variables: Mapping[str, str]) -> dict[str, Any]:
    """docker/compose.yaml with ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` filled in
    from ``variables``; a required variable that is missing raises ``KeyError`` with its message.
    """
    raw = (DOCKER / "compose.yaml").read_text(encoding="utf-8")

    def fill(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = variables.get(name, "")
        if value:
            return value
        if op == ":?":
            raise KeyError(arg)
        return arg if op == ":-" else ""

    document: dict[str, Any] = yaml.safe_load(_VARIABLE.sub(fill, raw))
    return document


def required_variables() -> dict[str, str]:
    """The variables compose.yaml refuses to start without, and the message it gives."""
    raw = (DOCKER / "compose.yaml").read_text(encoding="utf-8")
    return {m["name"]: m["arg"] for m in _VARIABLE.finditer(raw) if m["op"] == ":?"}


@dataclass(frozen=True)
class Copy:
    """One COPY line of the Dockerfile's last stage."""

    sources: tuple[str, ...]
    destination: str
    from_stage: str | None


def final_stage_copies() -> list[Copy]:
    """The COPY lines of the Dockerfile's last stage (the image that runs), in order."""
    lines = _instructions((DOCKER / "Dockerfile").read_text(encoding="utf-8"))
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    copies = []
    for line in lines[last_from:]:
        words = line.split()
        if words[0].upper() != "COPY":
            continue
        flags = [w for w in words[1:] if w.startswith("--")]
        paths = [w for w in words[1:] if not w.startswith("--")]
        stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        copies.append(Copy(tuple(paths[:-1]), paths[-1], stage))
    return copies


def _instructions(dockerfile: str) -> list[str]:
    """Instructions one per line: continuation lines joined, comments and blanks dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = (line.strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def dockerignore_patterns() -> list[str]:
    """The build context's ignore patterns (comments and blank lines dropped)."""
    text = (REPO / ".dockerignore").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` (relative to the context) out of the build context.

    A pattern matches the path or one of its parent folders; ``**`` spans folders, ``*`` and
    ``?`` stay within one; the last matching pattern wins and ``!`` re-includes.
    """
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = _pattern_regex(pattern.lstrip("!").strip("/").removeprefix("./"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            result = not negated
    return result


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
