"""Bring a database made by an older version up to the current schema, without losing a row.

``metadata.create_all`` makes missing tables and indexes but never touches a table that exists, so a column
added in a later version (``workspaces.keep_volume``, for one) would make every query of an old database fail.
The schema only ever grows by columns that have a constant default, so the migration is one
``ALTER TABLE ... ADD COLUMN ... DEFAULT`` per missing column: every existing row takes the default, which is
what it meant before the column existed. A missing column that has no such default cannot be added safely;
that stops the start with one line instead of serving from a table the code cannot read.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Engine, MetaData, inspect, literal
from sqlalchemy.schema import CreateColumn


class SchemaError(RuntimeError):
    """The database has a table in a shape this version cannot bring up to date."""


def upgrade(engine: Engine, metadata: MetaData) -> list[str]:
    """Add the columns an older database lacks; answers ``table.column`` for each one added."""
    added: list[str] = []
    with engine.begin() as conn:
        present = inspect(conn)
        for table in metadata.sorted_tables:
            if not present.has_table(table.name):
                continue
            have = {column["name"] for column in present.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    _add(conn, table.name, column)
                    added.append(f"{table.name}.{column.name}")
    return added


def _add(conn: Connection, table: str, column: Column[object]) -> None:
    default = column.default
    value = getattr(default, "arg", None) if default is not None and getattr(default, "is_scalar", False) else None
    if value is None and not column.nullable:
        raise SchemaError(f"table {table} lacks column {column.name}, which has no default to give its rows")
    spec = CreateColumn(column).compile(dialect=conn.dialect)
    clause = ""
    if value is not None:
        clause = " DEFAULT " + str(literal(value).compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    definition = str(spec).replace(" NOT NULL", "") + clause + ("" if column.nullable else " NOT NULL")
    conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN {definition}')
