"""passport number and the name as in the passport, on the beneficiary (certificates for travel)

Revision ID: 0006
Revises: 0007
Create Date: 2026-12-04 21:10:00

Expand only: nullable columns a person fills in when they travel (CoWIN added the same in 2021);
the EU DCC's fnt/gnt and the international certificate use them when present.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0007'  # the head when this was written (0007 was merged before it)
branch_labels = None
depends_on = None

COLUMNS = (
    ('passport_number', sa.String(length=20)),
    ('passport_surname', sa.String(length=80)),
    ('passport_given_names', sa.String(length=80)),
)


def upgrade() -> None:
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        for name, _type in reversed(COLUMNS):
            batch_op.drop_column(name)
