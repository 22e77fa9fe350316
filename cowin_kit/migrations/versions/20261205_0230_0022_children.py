"""children: people without documents, pregnancies, routine doses, next routine due (issue #19)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 02:30:00

Expand only: the identity document columns of beneficiary become nullable (a child registered
without one), four nullable columns, two new tables; the index is built CONCURRENTLY on
PostgreSQL. Downgrading needs every person to have a document again (it fails otherwise).
"""
from alembic import op
import sqlalchemy as sa
import cowin_kit.core.db

from cowin_kit.migrations.concurrently import create_index_concurrently, drop_index_concurrently


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

DOCUMENT = (('id_doc_type', 32), ('id_hash', 64), ('id_masked', 64))


def upgrade() -> None:
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        for name, length in DOCUMENT:
            batch_op.alter_column(name, existing_type=sa.String(length=length), nullable=True)
        batch_op.add_column(sa.Column('mother_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('guardian', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('next_routine_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_routine_overdue', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_beneficiary_mother_id_beneficiary'),
                                    'beneficiary', ['mother_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_beneficiary_guardian'), "guardian IN ('mother', 'father', 'guardian')")
    op.create_table('pregnancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('expected_delivery', sa.Date(), nullable=False),
    sa.Column('week_at_registration', sa.Integer(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_pregnancy_beneficiary_id_beneficiary'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pregnancy'))
    )
    with op.batch_alter_table('pregnancy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pregnancy_beneficiary_id'), ['beneficiary_id'], unique=False)
    op.create_table('routine_dose',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=32), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('lot', sa.String(length=32), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('vaccinator_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], name=op.f('fk_routine_dose_beneficiary_id_beneficiary')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_routine_dose_facility_id_facility')),
    sa.ForeignKeyConstraint(['vaccinator_id'], ['staff_user.id'], name=op.f('fk_routine_dose_vaccinator_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routine_dose'))
    )
    with op.batch_alter_table('routine_dose', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routine_dose_beneficiary_id'), ['beneficiary_id'], unique=False)
    create_index_concurrently('ix_beneficiary_next_routine_due', 'beneficiary',
                              ['next_routine_due', 'id'])


def downgrade() -> None:
    drop_index_concurrently('ix_beneficiary_next_routine_due', 'beneficiary')
    with op.batch_alter_table('routine_dose', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routine_dose_beneficiary_id'))
    op.drop_table('routine_dose')
    with op.batch_alter_table('pregnancy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pregnancy_beneficiary_id'))
    op.drop_table('pregnancy')
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_beneficiary_guardian'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_beneficiary_mother_id_beneficiary'),
                                 type_='foreignkey')
        batch_op.drop_column('next_routine_overdue')
        batch_op.drop_column('next_routine_due')
        batch_op.drop_column('guardian')
        batch_op.drop_column('mother_id')
        for name, length in DOCUMENT:
            batch_op.alter_column(name, existing_type=sa.String(length=length), nullable=False)
