"""Rolling upgrades without downtime: the new release migrates first (pre-upgrade Job), then
pods are replaced a few at a time. Old pods must stay ready on the newer (expanded) schema, and
new pods must not become ready on an older one."""

from __future__ import annotations

import sqlalchemy as sa

from cowin_kit.core import migrate


def set_revision(db, revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :rev"),
                           {"rev": revision})


def test_old_pods_stay_ready_when_a_newer_release_has_migrated(client, db):
    (head,) = migrate.head_revisions()
    assert client.get("/readyz").status_code == 200
    try:
        set_revision(db, "f00dfeedbeef")  # a revision this (older) code has never seen
        response = client.get("/readyz")
        assert response.status_code == 200, response.json
    finally:
        set_revision(db, head)


def test_new_pods_are_not_ready_on_an_older_schema(client, db, monkeypatch):
    (head,) = migrate.head_revisions()
    # This code's head is a revision the database has not reached yet (it sits at `head`,
    # a revision the code knows): the migration Job has not run, so the pod must wait.
    monkeypatch.setattr(migrate, "head_revisions", lambda: {"0002_not_applied"})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert head in response.json["reason"] and "cowin-kit db upgrade" in response.json["reason"]
