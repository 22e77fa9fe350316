"""stock_logger_token: device tokens temperature loggers upload readings with (issue #20)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:30:00

Expand only: one new table. Only the SHA-256 of each token is stored.
"""
from alembic import op
import sqlalchemy as sa
import cowin_kit.core.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stock_logger_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('last_used_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], name=op.f('fk_stock_logger_token_created_by_staff_user')),
    sa.ForeignKeyConstraint(['equipment_id'], ['stock_equipment.id'], name=op.f('fk_stock_logger_token_equipment_id_stock_equipment')),
    sa.ForeignKeyConstraint(['revoked_by'], ['staff_user.id'], name=op.f('fk_stock_logger_token_revoked_by_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_logger_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_stock_logger_token_token_hash'))
    )
    with op.batch_alter_table('stock_logger_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_logger_token_equipment_id'), ['equipment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stock_logger_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_logger_token_equipment_id'))
    op.drop_table('stock_logger_token')
