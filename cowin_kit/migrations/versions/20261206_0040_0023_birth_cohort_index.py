"""birth cohort index: routine reports read a cohort's children by birth date (issue #19)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 00:40:00

Expand only: one index on beneficiary (birth_date, area_id), built CONCURRENTLY on PostgreSQL.
The fully immunised and dropout reports (reporting/routine_reports.py) select the children born
in a year or month; without it the national report reads every person registered (a cohort's
children are a small part of the table).
"""
from cowin_kit.migrations.concurrently import create_index_concurrently, drop_index_concurrently


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_index_concurrently('ix_beneficiary_birth_cohort', 'beneficiary',
                              ['birth_date', 'area_id'])


def downgrade() -> None:
    drop_index_concurrently('ix_beneficiary_birth_cohort', 'beneficiary')
