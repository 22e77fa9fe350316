"""Alembic environment: runs on the connection handed over by cowin_kit.core.migrate (which
holds the migration lock and sets the timeouts on PostgreSQL), one transaction per migration."""

from alembic import context
from sqlalchemy import create_engine

from cowin_kit.app import import_models
from cowin_kit.core.db import db

import_models()
config = context.config
target_metadata = db.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        # Each migration commits on its own: op.get_context().autocommit_block() can then leave
        # the transaction (CREATE INDEX CONCURRENTLY), and a failure keeps what came before.
        transaction_per_migration=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
