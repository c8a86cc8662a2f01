"""The small part of SOQL the double runs: one object, equality filters, one order, a limit.

``SELECT a, Rel.b FROM Obj [WHERE x = 'v' [AND y = 'w']] [ORDER BY f [ASC|DESC]] [LIMIT n]``.
Parent fields through a standard relationship (``OriginalQueue.DeveloperName`` reads the
record ``OriginalQueueId`` points at) come back nested as Salesforce returns them. Anything
else is refused with Salesforce's error codes (MALFORMED_QUERY, INVALID_FIELD,
INVALID_TYPE), so a query the real API would refuse is not silently answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.doubles.salesforce.world import SalesforceWorld

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<sobject>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>[\w.]+)(?:\s+(?P<direction>ASC|DESC))?)?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^\s*(?P<field>\w+)\s*=\s*'(?P<value>(?:[^'\\]|\\.)*)'\s*$")
_FIELD = re.compile(r"^\w+(?:\.\w+)?$")


class SoqlError(Exception):
    """A query the API refuses: ``errorCode`` and message as Salesforce words them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Query:
    """A parsed query."""

    fields: tuple[str, ...]
    sobject: str
    where: tuple[tuple[str, str], ...]
    order: str | None
    descending: bool
    limit: int | None


def parse(text: str) -> Query:
    """Parse ``text``; ``SoqlError`` (MALFORMED_QUERY) for anything outside the subset."""
    match = _QUERY.match(text)
    if match is None:
        raise SoqlError("MALFORMED_QUERY", "unexpected token in query")
    fields = tuple(part.strip() for part in match["fields"].split(","))
    if not all(_FIELD.match(name) for name in fields):
        raise SoqlError("MALFORMED_QUERY", "unexpected token in the field list")
    where: list[tuple[str, str]] = []
    if match["where"]:
        for clause in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
            condition = _CONDITION.match(clause)
            if condition is None:
                raise SoqlError("MALFORMED_QUERY", f"unexpected token: {clause.strip()}")
            where.append((condition["field"], condition["value"].replace("\\'", "'")))
    return Query(
        fields=fields,
        sobject=match["sobject"],
        where=tuple(where),
        order=match["order"],
        descending=(match["direction"] or "").upper() == "DESC",
        limit=int(match["limit"]) if match["limit"] else None,
    )


def run(world: SalesforceWorld, query: Query, version: str) -> list[dict[str, Any]]:
    """The records ``query`` selects, shaped like the query resource returns them."""
    schema = world.schema.get(query.sobject)
    if schema is None:
        raise SoqlError("INVALID_TYPE", f"sObject type '{query.sobject}' is not supported.")
    for name in [*(f for f, _ in query.where), *([query.order] if query.order else [])]:
        if name not in schema.fields:
            raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{query.sobject}'")
    rows = [
        row
        for row in world.records.get(query.sobject, {}).values()
        if all(str(row.get(name)) == value for name, value in query.where)
    ]
    if query.order:
        order = query.order
        rows.sort(key=lambda row: str(row.get(order) or ""), reverse=query.descending)
    if query.limit is not None:
        rows = rows[: query.limit]
    return [_select(world, query, row, version) for row in rows]


def _select(
    world: SalesforceWorld, query: Query, row: dict[str, Any], version: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": _attributes(query.sobject, row["Id"], version)}
    for name in query.fields:
        relation, _, parent_field = name.partition(".")
        if not parent_field:
            _known(world, query.sobject, name)
            out[name] = row.get(name)
            continue
        _known(world, query.sobject, f"{relation}Id")
        out[relation] = _parent(world, row.get(f"{relation}Id"), parent_field, version)
    return out


def _parent(
    world: SalesforceWorld, parent_id: Any, field: str, version: str
) -> dict[str, Any] | None:
    found = world.find(str(parent_id)) if parent_id else None
    if found is None:
        return None
    sobject, parent = found
    _known(world, sobject, field)
    return {"attributes": _attributes(sobject, parent["Id"], version), field: parent.get(field)}


def _known(world: SalesforceWorld, sobject: str, field: str) -> None:
    if field not in world.schema[sobject].fields:
        raise SoqlError("INVALID_FIELD", f"No such column '{field}' on entity '{sobject}'")


def _attributes(sobject: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/{version}/sobjects/{sobject}/{record_id}"}
