"""sms_message: a partial index of the texts waiting for the gateway (issue #25 item 3)

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-04 23:50:00

/metrics reports how many texts wait for the SMS gateway and how long the oldest has waited, at
every scrape of every pod; without an index that is a scan of every text kept for
SMS_RETENTION_DAYS. The index holds only the queued and sending ones (a handful), by age. Built
CONCURRENTLY on PostgreSQL: OTPs and booking texts keep being written while it builds.
"""
import sqlalchemy as sa

from cowin_kit.migrations.concurrently import create_index_concurrently, drop_index_concurrently


revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None

WAITING = "status IN ('queued', 'sending')"


def upgrade() -> None:
    create_index_concurrently('ix_sms_message_waiting', 'sms_message', ['created_at'],
                              sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING))


def downgrade() -> None:
    drop_index_concurrently('ix_sms_message_waiting', 'sms_message')
