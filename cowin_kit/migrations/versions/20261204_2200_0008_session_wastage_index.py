"""vaccination_session: the (date, facility_id) index carries doses_opened (issue #15)

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04 22:00:00

The wastage report sums doses_opened per facility over a period; with the column in the index
(INCLUDE on PostgreSQL) it is an index-only scan instead of reading the sessions' rows (the
planner chose a sequential scan of the table for a 30-day national window at 1M people).

The new index is built before the old one is dropped: the build holds a SHARE lock (reads of
sessions go on; writes to vaccination_session wait for it, about a second per million
sessions), and the drop's exclusive lock is taken only at the end, just before the commit.
"""
from alembic import op


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_vaccination_session_date_facility_opened', 'vaccination_session',
                    ['date', 'facility_id'], unique=False, postgresql_include=['doses_opened'])
    op.drop_index('ix_vaccination_session_date_facility', table_name='vaccination_session')


def downgrade() -> None:
    op.create_index('ix_vaccination_session_date_facility', 'vaccination_session',
                    ['date', 'facility_id'], unique=False)
    op.drop_index('ix_vaccination_session_date_facility_opened',
                  table_name='vaccination_session')
