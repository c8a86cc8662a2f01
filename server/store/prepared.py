"""Statements built once and run on the sqlite3 driver itself where the journal writes and reads.

On a SQLite file (the sqlite3 driver, on the writer's or the reader's own thread) a
:class:`Prepared` statement runs on the driver's cursor with its SQL compiled once: there
SQLAlchemy's work per execution cost several times the statement itself, and the journal writes
on every event (and reads a position on every join). Values still pass through the columns'
bind processors. Elsewhere (PostgreSQL) SQLAlchemy runs it.

Example::

    position = Prepared(select(t.c.last_position).where(t.c.id == bindparam("id")), dialect)
    position.rows(conn, [{"id": "c-1"}])          # [(41,)]
    insert = Prepared(t.insert().returning(t.c.id), dialect)
    insert.names                                   # ("id", "last_position"): a row's order
    insert.value_rows(conn, [("c-2", 0)])          # [("c-2",)]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

Statement = ReturningInsert[Any] | ReturningUpdate[Any] | Select[Any]
Row = tuple[Any, ...]


class Prepared:
    """A statement built once, returning rows; its parameters by name or in :attr:`names` order."""

    def __init__(self, statement: Statement, dialect: Dialect) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=dialect)
        self._sql = str(compiled)
        # The order of the statement's parameters: what ``value_rows`` takes.
        self.names: tuple[str, ...] = tuple(compiled.positiontup or [])
        self._processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(self.names):
            process = compiled.binds[name].type.bind_processor(dialect)
            if process is not None:
                self._processors.append((index, process))

    def rows(self, conn: Connection, params: Sequence[dict[str, Any]]) -> list[Row]:
        """Run the statement once per item of ``params``; every row it returned, in order."""
        driver = self._driver(conn)
        if driver is None:
            return [tuple(row) for row in conn.execute(self.statement, list(params)).all()]
        return self._run(driver, [tuple(item[name] for name in self.names) for item in params])

    def value_rows(self, conn: Connection, params: Sequence[Row]) -> list[Row]:
        """As :meth:`rows`, each item of ``params`` holding the values in :attr:`names` order
        (the journal's writer builds them so: no dictionary per statement)."""
        driver = self._driver(conn)
        if driver is None:
            named = [dict(zip(self.names, values, strict=True)) for values in params]
            return [tuple(row) for row in conn.execute(self.statement, named).all()]
        return self._run(driver, params)

    def _driver(self, conn: Connection) -> sqlite3.Connection | None:
        driver = conn.connection.driver_connection
        if not isinstance(driver, sqlite3.Connection) or not self.names:
            return None
        return driver

    def _run(self, driver: sqlite3.Connection, params: Sequence[Row]) -> list[Row]:
        cursor = driver.cursor()
        try:
            found: list[Row] = []
            for values in params:
                found += cursor.execute(self._sql, self._bound(values)).fetchall()
            return found
        finally:
            cursor.close()

    def _bound(self, values: Row) -> Row | list[Any]:
        if not self._processors:
            return values
        bound = list(values)
        for index, process in self._processors:
            bound[index] = process(bound[index])
        return bound
