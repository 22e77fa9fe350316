"""routine_due last-day index: the daily refresh finds the stale rows by index (issue #19)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 04:00:00

Expand only: one index on routine_due (last_day, beneficiary_id), built CONCURRENTLY on
PostgreSQL. `cowin-kit reports refresh-routine-due` selects the rows whose last day to give has
passed; rows kept current never have one, so with the index that is a short range scan instead
of a read of the whole table.
"""
from cowin_kit.migrations.concurrently import create_index_concurrently, drop_index_concurrently


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_index_concurrently('ix_routine_due_last_day', 'routine_due',
                              ['last_day', 'beneficiary_id'])


def downgrade() -> None:
    drop_index_concurrently('ix_routine_due_last_day', 'routine_due')
