"""next due dose kept on the beneficiary; indexes for the reports (due lists, AEFI)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:00:00

Expand only: nullable columns, filled by the dose hook from now on and for existing people by
``cowin-kit reports rebuild-due`` (run it once after this upgrade). The indexes are built
CONCURRENTLY on PostgreSQL (registrations and AEFI reports go on while they build).
"""
from alembic import op
import sqlalchemy as sa

from cowin_kit.migrations.concurrently import create_index_concurrently


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

COLUMNS = (
    ('next_dose_number', sa.Integer()),
    ('next_due_booster', sa.Boolean()),
    ('next_due_from', sa.Date()),
    ('next_due_until', sa.Date()),
    ('next_due_product', sa.String(length=200)),
    ('last_dose_vaccine', sa.String(length=32)),
    ('last_dose_on', sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    create_index_concurrently('ix_beneficiary_next_due', 'beneficiary',
                              ['next_due_booster', 'next_due_from', 'id'])
    create_index_concurrently('ix_beneficiary_area_next_due', 'beneficiary',
                              ['area_id', 'next_due_booster', 'next_due_from'])
    create_index_concurrently('ix_aefi_report_onset_at', 'aefi_report', ['onset_at'])


def downgrade() -> None:
    with op.batch_alter_table('aefi_report', schema=None) as batch_op:
        batch_op.drop_index('ix_aefi_report_onset_at')
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_index('ix_beneficiary_area_next_due')
        batch_op.drop_index('ix_beneficiary_next_due')
        for name, _type in reversed(COLUMNS):
            batch_op.drop_column(name)
