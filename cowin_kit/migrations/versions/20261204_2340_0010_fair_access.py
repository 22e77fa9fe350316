"""Fair access (#21): lottery rounds and requests, standby lists and calls, priority checks;
the channel of an appointment and the allocation of a session

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:40:00

Expand only: new tables, a nullable appointment.channel (bookings before this revision keep
NULL, "unknown" in the equity report) and vaccination_session.allocation with a server default
("first_come"), so old pods keep booking during a rolling upgrade. appointment.channel has no
CHECK (adding one would scan the largest table under an exclusive lock): the code checks it.
"""
from alembic import op
import sqlalchemy as sa

import cowin_kit.core.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lottery_round',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opens_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirm_hours', sa.Integer(), nullable=False),
    sa.Column('seed_commitment', sa.String(length=64), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('ticket_key', sa.String(length=64), nullable=False),
    sa.Column('drawn_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('drawn_capacity', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'drawn', 'cancelled')", name=op.f('ck_lottery_round_status')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_lottery_round_window')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], name=op.f('fk_lottery_round_created_by_staff_user')),
    sa.ForeignKeyConstraint(['session_id'], ['vaccination_session.id'], name=op.f('fk_lottery_round_session_id_vaccination_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_round')),
    sa.UniqueConstraint('session_id', name=op.f('uq_lottery_round_session_id'))
    )
    op.create_index(op.f('ix_lottery_round_closes_at'), 'lottery_round', ['closes_at'], unique=False)
    op.create_table('priority_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.String(length=120), nullable=False),
    sa.Column('checked_by', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('confirmed', 'not_confirmed')", name=op.f('ck_priority_check_outcome')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_priority_check_beneficiary_id_beneficiary')),
    sa.ForeignKeyConstraint(['checked_by'], ['staff_user.id'], name=op.f('fk_priority_check_checked_by_staff_user')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_priority_check_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_check'))
    )
    op.create_index(op.f('ix_priority_check_beneficiary_id'), 'priority_check', ['beneficiary_id'], unique=False)
    op.create_table('standby_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('dose_kind', sa.String(length=8), nullable=False),
    sa.Column('doses', sa.Integer(), nullable=False),
    sa.Column('outstanding', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('confirm_minutes', sa.Integer(), nullable=False),
    sa.Column('called_by', sa.Integer(), nullable=True),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('taken >= 0 AND outstanding >= 0 AND taken + outstanding <= doses', name=op.f('ck_standby_call_within_doses')),
    sa.ForeignKeyConstraint(['called_by'], ['staff_user.id'], name=op.f('fk_standby_call_called_by_staff_user')),
    sa.ForeignKeyConstraint(['session_id'], ['vaccination_session.id'], name=op.f('fk_standby_call_session_id_vaccination_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standby_call'))
    )
    op.create_index(op.f('ix_standby_call_session_id'), 'standby_call', ['session_id'], unique=False)
    op.create_table('lottery_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('round_id', sa.Uuid(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('ticket', sa.String(length=64), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('dose_kind', sa.String(length=8), nullable=False),
    sa.Column('dose_number', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('offer_expires_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('appointment_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('web', 'api', 'walk_in', 'assisted')", name=op.f('ck_lottery_request_channel')),
    sa.CheckConstraint("status IN ('entered', 'offered', 'confirmed', 'declined', 'expired', 'not_drawn', 'skipped', 'withdrawn')", name=op.f('ck_lottery_request_status')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_lottery_request_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_lottery_request_beneficiary_id_beneficiary')),
    sa.ForeignKeyConstraint(['round_id'], ['lottery_round.id'], name=op.f('fk_lottery_request_round_id_lottery_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_request')),
    sa.UniqueConstraint('round_id', 'beneficiary_id', name=op.f('uq_lottery_request_round_id_beneficiary_id')),
    sa.UniqueConstraint('round_id', 'ticket', name=op.f('uq_lottery_request_round_id_ticket'))
    )
    op.create_index(op.f('ix_lottery_request_beneficiary_id'), 'lottery_request', ['beneficiary_id'], unique=False)
    op.create_index('ix_lottery_request_offers', 'lottery_request', ['status', 'offer_expires_at'], unique=False)
    op.create_index(op.f('ix_lottery_request_round_id'), 'lottery_request', ['round_id'], unique=False)
    op.create_table('standby_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('offer_expires_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('appointment_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('web', 'api', 'walk_in', 'assisted')", name=op.f('ck_standby_entry_channel')),
    sa.CheckConstraint("status IN ('waiting', 'offered', 'confirmed', 'declined', 'expired', 'withdrawn')", name=op.f('ck_standby_entry_status')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_standby_entry_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_standby_entry_beneficiary_id_beneficiary')),
    sa.ForeignKeyConstraint(['call_id'], ['standby_call.id'], name=op.f('fk_standby_entry_call_id_standby_call')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_standby_entry_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standby_entry')),
    sa.UniqueConstraint('beneficiary_id', 'facility_id', 'date', name=op.f('uq_standby_entry_beneficiary_id_facility_id_date'))
    )
    op.create_index(op.f('ix_standby_entry_beneficiary_id'), 'standby_entry', ['beneficiary_id'], unique=False)
    op.create_index('ix_standby_entry_queue', 'standby_entry', ['facility_id', 'date', 'status', 'id'], unique=False)
    op.add_column('appointment', sa.Column('channel', sa.String(length=16), nullable=True))
    with op.batch_alter_table('vaccination_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allocation', sa.String(length=16),
                                      server_default='first_come', nullable=False))
        batch_op.create_check_constraint(op.f('ck_vaccination_session_allocation'),
                                         "allocation IN ('first_come', 'lottery')")


def downgrade() -> None:
    with op.batch_alter_table('vaccination_session', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_vaccination_session_allocation'), type_='check')
        batch_op.drop_column('allocation')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_column('channel')
    op.drop_index('ix_standby_entry_queue', table_name='standby_entry')
    op.drop_index(op.f('ix_standby_entry_beneficiary_id'), table_name='standby_entry')
    op.drop_table('standby_entry')
    op.drop_index(op.f('ix_lottery_request_round_id'), table_name='lottery_request')
    op.drop_index('ix_lottery_request_offers', table_name='lottery_request')
    op.drop_index(op.f('ix_lottery_request_beneficiary_id'), table_name='lottery_request')
    op.drop_table('lottery_request')
    op.drop_index(op.f('ix_standby_call_session_id'), table_name='standby_call')
    op.drop_table('standby_call')
    op.drop_index(op.f('ix_priority_check_beneficiary_id'), table_name='priority_check')
    op.drop_table('priority_check')
    op.drop_index(op.f('ix_lottery_round_closes_at'), table_name='lottery_round')
    op.drop_table('lottery_round')
