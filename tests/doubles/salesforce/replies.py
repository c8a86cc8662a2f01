"""A REST answer before it becomes HTTP, and Salesforce's error array."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    """A REST answer before it becomes HTTP."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, message: str, fields: list[str] | None = None) -> Reply:
    """Salesforce's error array with one item."""
    item: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = fields
    return Reply(status, [item])
