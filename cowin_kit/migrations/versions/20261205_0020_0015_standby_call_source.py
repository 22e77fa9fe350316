"""standby_call.source: who freed the doses of a standby call (issue #21)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:20:00

A citizen's cancellation now offers its dose to the standby list by itself. Such a call holds
the cancelled appointment's dose in ``session_capacity.booked`` while its offer is out (so the
public cannot book it twice) and hands it over on confirmation, where a desk's call adds a dose
beyond capacity: ``source`` ('desk', 'cancellation', 'no_show') tells them apart. Expand only:
the existing calls were all the desk's (server default 'desk').
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('standby_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=False,
                                      server_default='desk'))
        batch_op.create_check_constraint(
            op.f('ck_standby_call_source'), "source IN ('desk', 'cancellation', 'no_show')")


def downgrade() -> None:
    with op.batch_alter_table('standby_call', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_standby_call_source'), type_='check')
        batch_op.drop_column('source')
