"""audit log append-only in PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 20:30:00

Triggers refuse UPDATE, DELETE and TRUNCATE on audit_log, for every role including the owner
(defence in depth beside the app role's SELECT/INSERT-only grant, docs/security.md). SQLite has
no roles and no TRUNCATE: nothing to do there.
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

FUNCTION = "audit_log_append_only"
TRIGGERS = {
    # Statement triggers: a statement is refused even when it would touch no row.
    "audit_log_no_update_delete": "BEFORE UPDATE OR DELETE",
    "audit_log_no_truncate": "BEFORE TRUNCATE",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Audit entries are evidence: add a new entry instead.';
        END
        $$
    """)
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} ON audit_log "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_log")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
