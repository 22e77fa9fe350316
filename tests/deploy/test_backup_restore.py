"""The backup story of docs/deploy.md ("Backup and restore"), end to end on PostgreSQL: data made
through the kit as the schema owner, deploy/backup.sh (pg_dump --format=custom), the documented
restore (pg_restore --no-owner --role=<owner> into a fresh database, then
`cowin-kit db upgrade --app-role`), and the kit reading the restored database with the same
secret key and signing keys: the person is found by identity number, the app role works, the
audit log is still append-only, and the certificate issued before the backup still verifies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.dbutil import SERVER_URL
from tests.deploy.conftest import REPO

pytestmark = pytest.mark.postgres

SECRET_KEY = "restore-drill-secret-key-0123456789abcdefghij"
AADHAAR = "234123412346"  # a valid Verhoeff check digit (python-stdnum's own example)


def _admin(sql: str) -> None:
    engine = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(sql))
    engine.dispose()


def _url(role: str, database: str) -> str:
    return make_url(SERVER_URL).set(username=role, database=database).render_as_string(False)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def cluster():
    """An owner role, an app role, and two databases owned by the owner: the source and an
    empty one to restore into. All dropped afterwards."""
    tag = uuid.uuid4().hex[:10]
    names = {"owner": f"t_deploy_own_{tag}", "app": f"t_deploy_app_{tag}",
             "source": f"t_deploy_src_{tag}", "restored": f"t_deploy_rst_{tag}"}
    _admin(f'CREATE ROLE "{names["owner"]}" LOGIN')
    _admin(f'CREATE ROLE "{names["app"]}" LOGIN')
    for db_name in (names["source"], names["restored"]):
        _admin(f'CREATE DATABASE "{db_name}" OWNER "{names["owner"]}"')
    yield names
    for db_name in (names["source"], names["restored"]):
        _admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    for role in (names["app"], names["owner"]):
        _admin(f'DROP ROLE IF EXISTS "{role}"')


def _kit(database_url: str, keys_dir, tmp_path):
    from cowin_kit.app import create_app

    return create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                       "PROFILE": "in", "KEYS_DIR": str(keys_dir), "PUBLIC_URL": "https://cowin.test",
                       "SMS_BACKEND": "outbox", "REDIS_URL": ""},
                      instance_path=str(tmp_path / f"instance-{uuid.uuid4().hex[:6]}"))


def _cli(*args: str, url: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "COWIN_KIT_DATABASE_URL": url, "COWIN_KIT_SECRET_KEY": SECRET_KEY,
           "COWIN_KIT_INSTANCE_DIR": str(cwd)}
    # this interpreter's kit, wherever the venv is (a worktree, CI's clone)
    return subprocess.run([sys.executable, "-m", "cowin_kit.cli", *args], env=env, capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def test_backup_restores_into_a_fresh_database_that_the_kit_reads(cluster, tmp_path):
    from flask_babel import force_locale

    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.certificates.models import Certificate
    from cowin_kit.certificates.verify import app_verifier
    from cowin_kit.core.audit import audit
    from cowin_kit.core.db import db
    from cowin_kit.profiles import get_profile
    from cowin_kit.registration.queries import document_hash, find_by_document
    from cowin_kit.vaccination.signals import dose_recorded
    from tests.certificates.world import make_area, make_dose, make_person, make_staff

    owner, app_role = cluster["owner"], cluster["app"]
    source_url = _url(owner, cluster["source"])
    restored_url = _url(owner, cluster["restored"])
    keys = tmp_path / "keys"

    # 1. A running instance: schema as the owner, the app role's grants, keys, a person with
    #    an identity number, a dose and so a certificate, an audit entry.
    done = _cli("db", "upgrade", "--app-role", app_role, url=source_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    app = _kit(source_url, keys, tmp_path)
    with app.app_context(), force_locale("en"):
        profile = get_profile()
        ensure_keys(app, profile)
        from cowin_kit.booking.models import Facility

        state = make_area(db, "R-S")
        district = make_area(db, "R-S-1", state, 2)
        facility = Facility(code="RF", name="PHC Restore", area_id=district.id, fee_type="Free",
                            address="Main Road")
        db.session.add(facility)
        db.session.flush()
        vaccinator = make_staff(db, "vaccinator", "vac-restore", facility=facility)
        person = make_person(db, name="Asha Devi")
        normalized = profile.id_document("aadhaar").validate(AADHAAR).normalized
        person.id_hash = document_hash("aadhaar", normalized)
        dose = make_dose(db, person, facility, vaccinator=vaccinator)
        audit("restore.drill", "beneficiary", person.id)
        db.session.commit()
        dose_recorded.send(app, dose=dose)
        certificate = db.session.scalar(sa.select(Certificate).where(
            Certificate.beneficiary_id == person.id))
        issued = {fmt: issuance.qr_payload(certificate, fmt) for fmt in ("eu_dcc", "shc", "divoc_vc")}
        reference_id, certificate_id = person.reference_id, certificate.id
        db.session.remove()
        db.engine.dispose()

    # 2. deploy/backup.sh, as the backup unit runs it (owner's URL, a backup folder).
    backups = tmp_path / "backups"
    backups.mkdir()
    done = subprocess.run([str(REPO / "deploy" / "backup.sh"), str(backups)],
                          env={**os.environ, "COWIN_KIT_DATABASE_URL": source_url},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (dump,) = backups.glob("cowin-kit-*.dump")
    assert oct(dump.stat().st_mode & 0o777) == "0o600"

    # 3. The documented restore into the fresh, empty database, then `db upgrade --app-role`.
    done = subprocess.run(["pg_restore", "--no-owner", f"--role={owner}", "--jobs=2",
                           f"--dbname={_libpq(_url(make_url(SERVER_URL).username, cluster['restored']))}",
                           str(dump)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    done = _cli("db", "upgrade", "--app-role", app_role, url=restored_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout

    # 4. The kit on the restored database, same secret key and keys: everything is there.
    restored = _kit(_url(app_role, cluster["restored"]), keys, tmp_path)
    with restored.app_context(), force_locale("en"):
        found = find_by_document("aadhaar", AADHAAR)
        assert found is not None and found.reference_id == reference_id
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate is not None and certificate.beneficiary_id == found.id
        for fmt, payload in issued.items():
            result = app_verifier().verify(payload)
            assert result.status == "valid", (fmt, result.reason)
            assert app_verifier().verify(issuance.qr_payload(certificate, fmt)).status == "valid"
        # The app role may write where the app writes, and only append to the audit log.
        audit("restore.checked", "beneficiary", found.id)
        db.session.commit()
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.text("DELETE FROM audit_log"))
        db.session.rollback()
        actions = db.session.scalars(sa.text("SELECT action FROM audit_log")).all()
        assert {"restore.drill", "restore.checked"} <= set(actions)
        db.session.remove()
        db.engine.dispose()

    # Why the secret key is backed up with the signing keys: with another one, the same
    # restored database no longer finds the person.
    other = _kit(_url(app_role, cluster["restored"]), keys, tmp_path)
    other.config["SECRET_KEY"] = "another-secret-key-after-a-careless-restore-000"
    with other.app_context():
        assert find_by_document("aadhaar", AADHAAR) is None
        db.session.remove()
        db.engine.dispose()
