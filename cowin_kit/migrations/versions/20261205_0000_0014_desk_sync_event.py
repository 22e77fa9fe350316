"""desk_sync_event: the events offline desks synced, keyed by the device's UUID (issue #22)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:00:00

Expand only: one new table. Its primary key is the id the device generated for the event, so
the same event is applied once whichever device sends it and however often.
"""
from alembic import op
import sqlalchemy as sa
import cowin_kit.core.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('desk_sync_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('dose_record_id', sa.Integer(), nullable=True),
    sa.Column('aefi_report_id', sa.Integer(), nullable=True),
    sa.Column('received_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('applied', 'conflict')", name=op.f('ck_desk_sync_event_status')),
    sa.CheckConstraint("kind IN ('dose', 'walk_in', 'no_show', 'aefi')",
                       name=op.f('ck_desk_sync_event_kind')),
    sa.ForeignKeyConstraint(['aefi_report_id'], ['aefi_report.id'],
                            name=op.f('fk_desk_sync_event_aefi_report_id_aefi_report')),
    sa.ForeignKeyConstraint(['dose_record_id'], ['dose_record.id'],
                            name=op.f('fk_desk_sync_event_dose_record_id_dose_record')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'],
                            name=op.f('fk_desk_sync_event_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_sync_event'))
    )
    with op.batch_alter_table('desk_sync_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_sync_event_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('desk_sync_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_sync_event_staff_id'))
    op.drop_table('desk_sync_event')
