"""The server's packages import downwards: no import cycles, services below the REST layer,
live state and the knowledge engine beside each other over ``server/conversation.py``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER = Path(__file__).parents[2] / "server"


def _module(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


GRAPH = {
    _module(path): {name for name in _imports(path) if name.startswith("server")}
    for path in SERVER.rglob("*.py")
}


def _cycle_from(start: str) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        module, path = stack.pop()
        for imported in GRAPH.get(module, ()):
            if imported == start:
                return [*path, start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*path, imported]))
    return None


def test_no_module_imports_itself_through_others() -> None:
    cycles = [" -> ".join(cycle) for m in sorted(GRAPH) if (cycle := _cycle_from(m))]
    assert cycles == []


@pytest.mark.parametrize(
    ("package", "never"),
    [
        ("server.services", "server.api"),
        ("server.state", "server.assist"),
        ("server.assist", "server.state"),
        ("server.conversation", "server.state"),
        ("server.conversation", "server.assist"),
    ],
)
def test_a_lower_package_never_imports_a_higher_one(package: str, never: str) -> None:
    offenders = sorted(
        f"{module} imports {imported}"
        for module, imported_names in GRAPH.items()
        if module == package or module.startswith(package + ".")
        for imported in imported_names
        if imported == never or imported.startswith(never + ".")
    )
    assert offenders == []
