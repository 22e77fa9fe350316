"""PostgreSQL roles: the migration role owns the schema, the app role only uses it.

The app role may read and write every table except the audit log, which it may only read and
append to (SELECT, INSERT). Migration 0003's triggers refuse UPDATE, DELETE and TRUNCATE on
the audit log even to the owner; this grant keeps the app from disabling them.
See docs/security.md, "Audit log integrity and database roles".
"""

from __future__ import annotations

import re

import sqlalchemy as sa

#: The append-only table and what no app role may do to it.
AUDIT_TABLE = "audit_log"
AUDIT_WRITES = ("UPDATE", "DELETE", "TRUNCATE")
#: Tables the app reads but never writes (migrations own them).
READ_ONLY_TABLES = ("alembic_version",)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")


class RoleError(RuntimeError):
    """The role cannot be granted as asked; the message says why and what to do."""


def _quote(connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def grant_app_role(connection, role: str) -> list[str]:
    """Create ``role`` when missing (LOGIN, no password) and grant it what the app needs.

    Run as the schema owner after every ``db upgrade`` (new tables need their grants); the
    grants are idempotent. Returns what was done, one line each.
    """
    if connection.dialect.name != "postgresql":
        raise RoleError("database roles are a PostgreSQL feature; SQLite has none to grant")
    if not _ROLE_NAME.match(role):
        raise RoleError(f"{role!r} is not a plain role name: use lowercase letters, digits "
                        "and _ (e.g. cowin_kit_app)")
    me = connection.execute(sa.text("SELECT current_user")).scalar_one()
    if role == me:
        raise RoleError(f"{role!r} is the role running this command (the schema owner): the "
                        "app role must be another role, e.g. cowin_kit_app")
    done = []
    row = connection.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"),
                             {"r": role}).first()
    quoted = _quote(connection, role)
    if row is None:
        connection.execute(sa.text(f"CREATE ROLE {quoted} LOGIN"))
        done.append(f"created role {role} (LOGIN; give it a password: "
                    f"ALTER ROLE {quoted} PASSWORD '...')")
    elif row.rolsuper:
        raise RoleError(f"{role!r} is a superuser, which can alter the audit log whatever is "
                        "granted: use a role without SUPERUSER")
    database = _quote(connection, connection.execute(sa.text("SELECT current_database()"))
                      .scalar_one())
    schema = _quote(connection, connection.execute(sa.text("SELECT current_schema()"))
                    .scalar_one())
    tables = sa.inspect(connection).get_table_names()
    statements = [
        f"GRANT CONNECT ON DATABASE {database} TO {quoted}",
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
    ]
    for table in READ_ONLY_TABLES:
        if table in tables:
            statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {_quote(connection, table)} "
                              f"FROM {quoted}")
    if AUDIT_TABLE in tables:
        writes = ", ".join((*AUDIT_WRITES, "REFERENCES", "TRIGGER"))
        statements += [f"REVOKE {writes} ON {AUDIT_TABLE} FROM {quoted}",
                       f"REVOKE {writes} ON {AUDIT_TABLE} FROM PUBLIC"]
    for statement in statements:
        connection.execute(sa.text(statement))
    done.append(f"granted {role}: SELECT, INSERT, UPDATE, DELETE on {len(tables)} tables "
                f"in schema {schema}; only SELECT, INSERT on {AUDIT_TABLE}")
    return done


def audit_log_problems(connection) -> list[str]:
    """Why the connected role could rewrite the audit log (empty when it cannot)."""
    if connection.dialect.name != "postgresql":
        return ["the database is not PostgreSQL, so nothing protects the audit log"]
    me, superuser = connection.execute(sa.text(
        "SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user")).one()
    fix = (f"connect the app (COWIN_KIT_DATABASE_URL) as a role made by `cowin-kit db "
           f"grant-app-role ROLE`, run by the schema owner")
    if superuser:
        return [f"the database role {me!r} is a superuser and can alter the audit log: {fix}"]
    owner = connection.execute(sa.text(
        "SELECT pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'USAGE') "
        "FROM pg_class WHERE oid = to_regclass(:t)"), {"t": AUDIT_TABLE}).first()
    if owner is None:
        return [f"the database has no {AUDIT_TABLE} table yet: run `cowin-kit db upgrade` as "
                "the schema owner before starting the app"]
    if owner[1]:
        through = "" if owner[0] == me else f" through its membership of {owner[0]!r}"
        return [f"the database role {me!r} owns {AUDIT_TABLE}{through} and can drop its "
                f"triggers: {fix}"]
    allowed = [p for p in AUDIT_WRITES if connection.execute(sa.text(
        "SELECT has_table_privilege(current_user, :t, :p)"), {"t": AUDIT_TABLE, "p": p}).scalar()]
    if allowed:
        return [f"the database role {me!r} has {', '.join(allowed)} on {AUDIT_TABLE}: {fix}, "
                f"or REVOKE {', '.join(allowed)} ON {AUDIT_TABLE} FROM {me}"]
    return []
