"""Index builds that do not stop writes, for migrations (docs/deploy.md, "Upgrades").

On PostgreSQL ``create_index_concurrently`` runs ``CREATE INDEX CONCURRENTLY IF NOT EXISTS``
outside the migration's transaction (``op.get_context().autocommit_block()``): vaccinators and
bookings keep writing to the table while it builds. A build that was interrupted (lock timeout,
statement timeout, a killed Job) leaves an invalid index behind; the next try drops it first,
so a migration can always simply be run again. On SQLite (demo, tests) it is a plain build.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_index_concurrently(name: str, table: str, columns: list[str], *,
                              unique: bool = False, **kw) -> None:
    if not _postgresql():
        op.create_index(name, table, columns, unique=unique, **kw)
        return
    with op.get_context().autocommit_block():
        invalid = op.get_bind().execute(sa.text(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = :name AND c.relnamespace = current_schema()::regnamespace "
            "AND NOT i.indisvalid"), {"name": name}).scalar()
        if invalid:
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        op.create_index(name, table, columns, unique=unique, postgresql_concurrently=True,
                        if_not_exists=True, **kw)


def drop_index_concurrently(name: str, table: str) -> None:
    if not _postgresql():
        op.drop_index(name, table_name=table)
        return
    with op.get_context().autocommit_block():
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
