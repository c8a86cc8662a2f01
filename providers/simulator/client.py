"""Read and validate replay scripts; the only module of the simulator that touches files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from providers.errors import ProviderConfigError
from providers.models import Identifier, MediaType, Speaker, Text

_TURN_TAGS = frozenset({"line", "action"})


class ScriptError(ProviderConfigError):
    """A replay script is unreadable or invalid; ``field`` names the offending part."""

    def __init__(self, source: str, message: str, *, field: str | None = None) -> None:
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)
        self.source = source
        self.field = field


class _Turn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pause: float | None = Field(default=None, ge=0, le=600, description="Seconds before it.")


class LineTurn(_Turn):
    """Someone types or says a line."""

    speaker: Speaker
    text: Text


class ActionTurn(_Turn):
    """The agent puts the customer on hold or takes them off it."""

    action: Literal["hold", "resume"]


def _turn_tag(value: Any) -> str | None:
    # Choosing the model by the presence of "action" gives errors about the turn the author
    # meant ("turns[2].speaker") instead of a list of every union member's complaints.
    if isinstance(value, dict):
        return "action" if "action" in value else "line"
    if isinstance(value, _Turn):
        return "action" if isinstance(value, ActionTurn) else "line"
    return None


Turn = Annotated[
    Annotated[LineTurn, Tag("line")] | Annotated[ActionTurn, Tag("action")],
    Discriminator(
        _turn_tag,
        custom_error_type="invalid_turn",
        custom_error_message="must be an object with speaker and text, or with action",
    ),
]


class Script(BaseModel):
    """A scripted conversation the simulator replays."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)]
    queue: Identifier
    media: MediaType = MediaType.CHAT
    expected_article: Identifier | None = None
    turns: tuple[Turn, ...] = Field(min_length=1)


def load_scripts(paths: Iterable[Path]) -> tuple[Script, ...]:
    """Read and validate every script, failing on the first bad one."""
    return tuple(load_script(path) for path in paths)


def load_script(path: Path) -> Script:
    """Read one script file; raise :class:`ScriptError` naming the file and field if bad."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScriptError(str(path), f"cannot be read ({err})") from err
    return parse_script(raw, source=str(path))


def parse_script(raw: str, *, source: str) -> Script:
    """Validate a script's JSON text; ``source`` names it in errors."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        message = f"not valid JSON ({err.msg} at line {err.lineno} column {err.colno})"
        raise ScriptError(source, message) from err
    try:
        script = Script.model_validate(data)
    except ValidationError as err:
        raise _script_error(source, err) from err
    _check_holds(script, source)
    return script


def _script_error(source: str, err: ValidationError) -> ScriptError:
    # A tuple whose items failed also reports itself as too short; the item errors say more.
    errors = [error for error in err.errors() if error["type"] != "too_short"] or err.errors()
    problems = [(field_path(error["loc"]), error["msg"]) for error in errors]
    detail = "; ".join(f"{field}: {message}" for field, message in problems[1:])
    message = problems[0][1] + (f" (also {detail})" if detail else "")
    return ScriptError(source, message, field=problems[0][0] or None)


def field_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as ``turns[3].speaker``."""
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (isinstance(previous, int) and part in _TURN_TAGS):
            out += f".{part}" if out else part
        previous = part
    return out


def _check_holds(script: Script, source: str) -> None:
    held = False
    for index, turn in enumerate(script.turns):
        if not isinstance(turn, ActionTurn):
            continue
        if (turn.action == "hold") == held:
            problem = "already on hold" if held else "resume without a hold before it"
            raise ScriptError(source, problem, field=f"turns[{index}].action")
        held = not held
