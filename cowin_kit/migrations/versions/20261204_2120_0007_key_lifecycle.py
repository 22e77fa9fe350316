"""certificate: the signing keys recorded at issuance (issue #14)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-04 21:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for certificates issued before: they are signed with the active key on download
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('signed_with', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('signed_with')
