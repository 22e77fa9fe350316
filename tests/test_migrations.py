"""The shipped migrations build exactly the schema the models declare, both ways."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tests.dbutil import create_database, drop_database


def _diff(engine, metadata):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": True})
        return compare_metadata(ctx, metadata)


def test_upgrade_matches_models_then_downgrade_and_upgrade_again(make_app, tmp_path):
    url = create_database(tmp_path)
    try:
        app = make_app(DATABASE_URL=url)
        from cowin_kit.core import migrate
        from cowin_kit.core.db import db

        with app.app_context():
            migrate.upgrade("head")
            assert _diff(db.engine, db.metadata) == []
            with db.engine.connect() as conn:
                assert migrate.at_head(conn)

            migrate.downgrade("base")
            tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()

            migrate.upgrade("head")
            assert _diff(db.engine, db.metadata) == []
            db.engine.dispose()
    finally:
        drop_database(url)


def test_partial_unique_index_allows_rebooking_after_cancel(app, db):
    """The partial unique index survives migration: one *active* appointment per dose."""
    inspector = sa.inspect(db.engine)
    names = {ix["name"] for ix in inspector.get_indexes("appointment")}
    assert "uq_appointment_active_dose" in names
