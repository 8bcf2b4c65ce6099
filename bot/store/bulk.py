"""Inserting many rows at once, each value converted for the driver once however often it repeats.

SQLAlchemy's executemany converts every value of every row through its column's type (a JSON
dump, a date formatted for SQLite) and builds each row's parameters in Python: for an alert
burst, 70,000 rows of which half the values are the same for all, that was a third of the
insert's time. Here the caller converts each distinct value once (`binder`) and the rows go
to the driver as they are: on PostgreSQL through `COPY ... FROM STDIN` (psycopg's `copy`),
elsewhere in one executemany of a statement compiled once per database.

A row written once and never changed in its transaction (a new story, an article) goes in
with one Core statement too (`insert_row`): the unit of work's bookkeeping was most of its
flush's cost.

Reading many rows goes through IN lists, and a database binds one parameter per value:
`batches` keeps each list under what either of ours binds in one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, Table, column, insert, inspect, table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Session

__all__ = ["IN_BATCH", "batches", "binder", "insert_bound", "insert_row"]

#: The most values one IN list binds: well under SQLite's default limit of 32,766 bound
#: parameters a statement and PostgreSQL's 65,535, whatever else the statement binds.
IN_BATCH = 10_000

T = TypeVar("T")


def batches(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in runs of at most `IN_BATCH`: a popular story can match more subscriptions,
    and reach more chats, than one statement may bind."""
    size = IN_BATCH  # read at each call (tests lower it)
    for start in range(0, len(values), size):
        yield values[start : start + size]


_STATEMENTS: dict[tuple[str, str, str, tuple[str, ...]], tuple[str, bool]] = {}


def binder(session: Session, target: Column[Any]) -> Callable[[Any], Any]:
    """What `target`'s type hands the driver for a value, on this session's database (as its
    own insert would: `UTCDateTime` normalized, JSON dumped, SQLite's dates as text)."""
    dialect = session.connection().dialect
    convert = target.type.dialect_impl(dialect).bind_processor(dialect)
    return convert if convert is not None else _as_is


def _as_is(value: Any) -> Any:
    return value


def insert_bound(
    session: Session, into: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Insert `rows`, each its values for `columns` in order, already as the driver takes
    them (see `binder`; ints, strings, booleans and None need none); returns how many."""
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.driver == "psycopg":
        _copy(connection, into, columns, rows)
        return len(rows)
    sql, positional = _statement(connection.dialect, into, tuple(columns))
    if positional:
        connection.exec_driver_sql(sql, list(rows))
    else:
        connection.exec_driver_sql(sql, [dict(zip(columns, row, strict=True)) for row in rows])
    return len(rows)


def _copy(
    connection: Connection, into: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """The rows through PostgreSQL's COPY, in the session's transaction (psycopg adapts each
    value by its type, as for any statement). An executemany has the server run one INSERT a
    row: 71,000 rows of seven columns took 0.83 s that way and 0.13 s through COPY (a local
    server, on the machine this was written on)."""
    from psycopg import sql  # the PostgreSQL driver: imported only where it is in use

    driver = connection.connection.driver_connection
    assert driver is not None  # a checked-out connection always has one
    names = (into.schema, into.name) if into.schema else (into.name,)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*names), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _statement(dialect: Dialect, into: Table, columns: tuple[str, ...]) -> tuple[str, bool]:
    """The INSERT in the driver's own parameter style, compiled once per database kind. The
    columns are untyped, so nothing converts the values again (nor casts them: PostgreSQL
    takes the JSON text for a JSON column as it takes any literal)."""
    key = (dialect.name, dialect.paramstyle, into.name, columns)
    found = _STATEMENTS.get(key)
    if found is None:
        untyped = table(into.name, *(column(name) for name in columns), schema=into.schema)
        compiled = insert(untyped).compile(dialect=dialect)
        found = _STATEMENTS[key] = (str(compiled), compiled.positional)
    return found


def insert_row(session: Session, row: DeclarativeBase) -> None:
    """Insert a new mapped object with one Core statement, and give it its id; the object
    stays out of the session. For rows written once and never changed in the transaction
    (a new story, an article), this skips the unit of work's bookkeeping, most of an ORM
    flush's cost. Columns the object does not set get their defaults, as a flush gives."""
    state = inspect(row)
    into = state.mapper.local_table
    assert isinstance(into, Table)
    values = {c.key: state.dict[c.key] for c in into.columns if c.key in state.dict}
    result = session.connection().execute(insert(into), values)
    inserted = result.inserted_primary_key
    assert inserted is not None  # a single-row insert always has one
    setattr(row, state.mapper.get_property_by_column(state.mapper.primary_key[0]).key, inserted[0])
