"""routine due per antigen: each person's open routine doses, one row per programme and antigen

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 01:00:00

Expand only: a new table ``routine_due`` (registration/routine_rows.py) with its indexes (built
with the table, which nobody writes yet), then filled from the routine doses and pregnancies
already recorded, in batches of people with progress on stderr, when the instance's profile
has a routine schedule (otherwise, or to repeat it: ``cowin-kit reports rebuild-due``).
"""
import sys

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.create_table(
        'routine_due',
        sa.Column('beneficiary_id', sa.Integer(), nullable=False),
        sa.Column('programme', sa.String(length=40), nullable=False),
        sa.Column('antigen', sa.String(length=40), nullable=False),
        sa.Column('dose_number', sa.Integer(), nullable=False),
        sa.Column('dose_name', sa.String(length=60), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('overdue_on', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=True),
        sa.Column('area_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['area_id'], ['area.id'],
                                name=op.f('fk_routine_due_area_id_area')),
        sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'],
                                name=op.f('fk_routine_due_beneficiary_id_beneficiary'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('beneficiary_id', 'programme', 'antigen',
                                name=op.f('pk_routine_due')),
    )
    op.create_index('ix_routine_due_antigen_due', 'routine_due',
                    ['antigen', 'due_on', 'beneficiary_id'])
    op.create_index('ix_routine_due_antigen_overdue', 'routine_due',
                    ['antigen', 'overdue_on', 'beneficiary_id'])
    op.create_index('ix_routine_due_due', 'routine_due', ['due_on', 'beneficiary_id'])
    op.create_index('ix_routine_due_overdue', 'routine_due', ['overdue_on', 'beneficiary_id'])
    op.create_index('ix_routine_due_area_due', 'routine_due',
                    ['area_id', 'due_on', 'beneficiary_id'])
    op.create_index('ix_routine_due_area_overdue', 'routine_due',
                    ['area_id', 'overdue_on', 'beneficiary_id'])
    _backfill()


def _backfill() -> None:
    """The engine over the people who may have open routine doses, ``BATCH`` at a time, in
    the migration's transaction (its lock on the new table only)."""
    from flask import has_app_context

    if not has_app_context():
        return
    from sqlalchemy.orm import Session

    from cowin_kit.profiles import get_profile
    from cowin_kit.registration import routine_rows
    from cowin_kit.reporting.labels import local_today

    try:
        routine = get_profile().routine
    except Exception:  # no profile configured (a bare database): nothing to compute from
        return
    if routine is None:
        return
    session = Session(bind=op.get_bind())
    today, after_id, done = local_today(), 0, 0
    while True:
        people = session.execute(routine_rows._candidates(routine, today, after_id, BATCH)).all()
        if not people:
            break
        routine_rows.refresh_batch(session, routine, people, today)
        session.flush()
        after_id, done = people[-1].id, done + len(people)
        print(f"routine_due: {done:,} people", file=sys.stderr, flush=True)
    session.close()


def downgrade() -> None:
    op.drop_index('ix_routine_due_area_overdue', table_name='routine_due')
    op.drop_index('ix_routine_due_area_due', table_name='routine_due')
    op.drop_index('ix_routine_due_overdue', table_name='routine_due')
    op.drop_index('ix_routine_due_due', table_name='routine_due')
    op.drop_index('ix_routine_due_antigen_overdue', table_name='routine_due')
    op.drop_index('ix_routine_due_antigen_due', table_name='routine_due')
    op.drop_table('routine_due')
