"""Bulk loading shared by the seeder and the roll-up: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import sqlalchemy as sa


class Loader:
    """Bulk-insert rows: COPY on PostgreSQL, executemany elsewhere, in one connection."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    def insert(self, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            raw = self.connection.connection.driver_connection
            names = ", ".join(columns)
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.connection.execute(table.insert(), [dict(zip(columns, row)) for row in rows])

    def next_id(self, column: sa.Column) -> int:
        return (self.connection.execute(sa.select(sa.func.max(column))).scalar() or 0) + 1

    def fix_sequence(self, column: sa.Column) -> None:
        if self.postgres:
            self.connection.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{column.table.name}', '{column.name}'), "
                f"(SELECT COALESCE(MAX({column.name}), 1) FROM {column.table.name}))"))
