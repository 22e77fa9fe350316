"""reminders: the reminder log, the SMS opt-out list, an index on next_due_until (issue #19)

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-05 02:10:00

Expand only: two new tables; the index is built CONCURRENTLY on PostgreSQL (registrations and
doses go on while it builds). Mobile numbers are kept only as keyed hashes.
"""
from alembic import op
import sqlalchemy as sa
import cowin_kit.core.db

from cowin_kit.migrations.concurrently import create_index_concurrently, drop_index_concurrently


revision = '0021'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('due_key', sa.String(length=40), nullable=False),
    sa.Column('mobile_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('sent_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sms_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_reminder_log_beneficiary_id_beneficiary'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_log')),
    sa.UniqueConstraint('beneficiary_id', 'due_key', name=op.f('uq_reminder_log_beneficiary_id_due_key'))
    )
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_log_mobile_day', ['mobile_hash', 'sent_on'], unique=False)
    op.create_table('sms_opt_out',
    sa.Column('mobile_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('mobile_hash', name=op.f('pk_sms_opt_out'))
    )
    create_index_concurrently('ix_beneficiary_next_due_until', 'beneficiary',
                              ['next_due_until', 'id'])


def downgrade() -> None:
    drop_index_concurrently('ix_beneficiary_next_due_until', 'beneficiary')
    op.drop_table('sms_opt_out')
    with op.batch_alter_table('reminder_log', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_log_mobile_day')
    op.drop_table('reminder_log')
