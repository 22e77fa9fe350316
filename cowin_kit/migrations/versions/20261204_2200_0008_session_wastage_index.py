"""vaccination_session: the (date, facility_id) index carries doses_opened (issue #15)

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04 22:00:00

The wastage report sums doses_opened per facility over a period; with the column in the index
(INCLUDE on PostgreSQL) it is an index-only scan instead of reading the sessions' rows (the
planner chose a sequential scan of the table for a 30-day national window at 1M people).

The new index is built before the old one is dropped, both CONCURRENTLY on PostgreSQL
(cowin_kit.migrations.concurrently): reads and writes of vaccination_session go on while they
run, and an interrupted build is cleaned up when the migration runs again.
"""
from cowin_kit.migrations.concurrently import create_index_concurrently, drop_index_concurrently


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_index_concurrently('ix_vaccination_session_date_facility_opened',
                              'vaccination_session', ['date', 'facility_id'],
                              postgresql_include=['doses_opened'])
    drop_index_concurrently('ix_vaccination_session_date_facility', 'vaccination_session')


def downgrade() -> None:
    create_index_concurrently('ix_vaccination_session_date_facility', 'vaccination_session',
                              ['date', 'facility_id'])
    drop_index_concurrently('ix_vaccination_session_date_facility_opened',
                            'vaccination_session')
