"""staff login security: atomic failure counts, server-side sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:30:00

- ``staff_user.lockouts``: how many account-wide locks in a row (exponential back-off);
- ``staff_login_throttle``: failed sign-ins and the lock of one account from one client address
  (a keyed hash of it), counted atomically before any password is checked;
- ``auth_session``: server-side sessions that staff and citizen cookies and citizen API tokens
  name; signing out deletes the row.
"""
from alembic import op
import sqlalchemy as sa
import cowin_kit.core.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on SQLite too (no table copy under the many foreign keys to staff_user);
    # the server default gives existing rows their 0.
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lockouts', sa.Integer(), server_default='0',
                                      nullable=False))

    op.create_table('staff_login_throttle',
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lockouts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'],
                            name=op.f('fk_staff_login_throttle_staff_user_id_staff_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_user_id', 'address_key', name=op.f('pk_staff_login_throttle'))
    )

    op.create_table('auth_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('citizen_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(staff_user_id IS NULL) <> (citizen_account_id IS NULL)',
                       name=op.f('ck_auth_session_one_subject')),
    sa.ForeignKeyConstraint(['citizen_account_id'], ['citizen_account.id'],
                            name=op.f('fk_auth_session_citizen_account_id_citizen_account'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'],
                            name=op.f('fk_auth_session_staff_user_id_staff_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_session'))
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_citizen_account_id'),
                              ['citizen_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_session_staff_user_id'), ['staff_user_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_auth_session_citizen_account_id'))
    op.drop_table('auth_session')
    op.drop_table('staff_login_throttle')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('lockouts')
