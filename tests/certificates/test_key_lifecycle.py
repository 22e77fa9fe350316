"""Key lifecycle (issue #14): rotation in two phases, keys recorded at issuance, verification by
key id under any PUBLIC_URL, the did:web document, and keys made once."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from .test_issuance import app, place  # noqa: F401 - fixtures: keys made, a facility and its vaccinator
from .world import make_dose, make_person

FORMATS = ("divoc_vc", "eu_dcc", "shc", "ddcc")
KINDS = ("divoc", "hcert", "shc")


@pytest.fixture
def later(monkeypatch):
    """Move the key lifecycle's clock forward by some hours."""
    from cowin_kit.certificates import lifecycle

    real = lifecycle.utcnow

    def move(hours: float) -> None:
        monkeypatch.setattr(lifecycle, "utcnow", lambda: real() + dt.timedelta(hours=hours))

    return move


def issue(db, place, n=1, person=None):
    """Record a dose; the certificate is issued by the vaccination domain's signal."""
    from flask import current_app

    from cowin_kit.certificates.models import Certificate
    from cowin_kit.vaccination.signals import dose_recorded

    facility, vaccinator, _admin = place
    person = person or make_person(db)
    dose = make_dose(db, person, facility, dose_number=n, days_ago=30 * (3 - n), vaccinator=vaccinator)
    db.session.commit()
    dose_recorded.send(current_app._get_current_object(), dose=dose)
    return db.session.execute(sa.select(Certificate).where(Certificate.dose_record_id == dose.id)).scalar_one()


def payloads(cert) -> dict:
    from cowin_kit.certificates import issuance

    return {fmt: issuance.qr_payload(cert, fmt) for fmt in FORMATS}


def signed_kid(fmt: str, payload) -> str:
    """The key id a signed form names (what a verifier looks up)."""
    import base64
    import json

    from cowin_kit.certificates.formats import divoc_vc, shc
    from cowin_kit.certificates.formats.hcert import decode

    if fmt == "divoc_vc":
        return divoc_vc.from_qr_bytes(payload)["proof"]["verificationMethod"].rpartition("#")[2]
    if fmt == "shc":
        jws = shc.from_qr_text(payload) if payload.startswith("shc:/") else payload
        return json.loads(base64.urlsafe_b64decode(jws.split(".")[0] + "=="))["kid"]
    return base64.b64encode(decode(payload).kid).decode("ascii")


def test_rotation_publishes_first_activates_later_and_every_certificate_keeps_verifying(app, db, place, later):
    """Issue, rotate, issue, activate (the delay passes), issue again, change PUBLIC_URL:
    every certificate, in all four formats, downloaded at any stage, still verifies."""
    from cowin_kit.certificates import issuance
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.verify import app_verifier

    store = keystore(app)
    old = {kind: store.active(kind).kid for kind in KINDS}
    first = issue(db, place)
    assert first.signed_with["divoc"]["kid"] == old["divoc"]
    assert first.signed_with["divoc"]["verification_method"] == f"did:web:localhost#{old['divoc']}"
    downloads = [("first, before rotation", payloads(first))]

    new = {kind: store.rotate(kind, public_url=app.config["PUBLIC_URL"]).kid for kind in KINDS}
    client = app.test_client()
    listed = client.get("/api/kit/v1/certificates/keys").get_json()["formats"]
    for fmt, kind in (("divoc_vc", "divoc"), ("eu_dcc", "hcert"), ("shc", "shc")):
        statuses = {k["kid"]: k["status"] for k in listed[fmt]}
        assert statuses == {old[kind]: "active", new[kind]: "next"}
    assert new["shc"] in {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    did = client.get("/.well-known/did.json").get_json()
    assert f"did:web:localhost#{new['divoc']}" in did["assertionMethod"]

    second = issue(db, place)  # the new key is only published: the old one still signs
    assert {kind: second.signed_with[kind]["kid"] for kind in KINDS} == old
    downloads.append(("second, after rotation", payloads(second)))
    for fmt, payload in downloads[-1][1].items():
        assert signed_kid(fmt, payload) in old.values(), fmt

    later(49)  # the activation delay (48 hours) has passed: the new keys sign by themselves
    assert {kind: store.active(kind).kid for kind in KINDS} == new
    third = issue(db, place)
    assert {kind: third.signed_with[kind]["kid"] for kind in KINDS} == new
    downloads.append(("third, after activation", payloads(third)))
    downloads.append(("first, downloaded again", payloads(first)))  # retired keys never sign
    for fmt, payload in downloads[-1][1].items():
        assert signed_kid(fmt, payload) in new.values(), fmt
    listed = client.get("/api/kit/v1/certificates/keys").get_json()["formats"]
    assert {k["kid"]: k["status"] for k in listed["shc"]} == {old["shc"]: "retired", new["shc"]: "active"}

    app.config["PUBLIC_URL"] = "https://vaccination.example.gov"
    verifier = app_verifier(app)
    for stage, forms in downloads:
        for fmt, payload in forms.items():
            result = verifier.verify(payload)
            assert result.status == "valid", (stage, fmt, result.reason)
    # the W3C credential names the key under the DID it was made with, not today's URL
    rendered = issuance.render(third, "divoc_vc")
    assert rendered["proof"]["verificationMethod"] == f"did:web:localhost#{new['divoc']}"
    assert rendered["issuer"] == "http://localhost/"


def test_did_document_lists_every_key_under_the_instance_did(app, db, later):
    from cowin_kit.certificates.stores import keystore

    store = keystore(app)
    first = store.active("divoc").kid
    second = store.rotate("divoc", public_url=app.config["PUBLIC_URL"]).kid
    app.config["PUBLIC_URL"] = "https://cowin.example.org:8443/kit"
    doc = app.test_client().get("/.well-known/did.json")
    assert doc.status_code == 200 and doc.mimetype == "application/did+json"
    body = doc.get_json()
    assert body["id"] == "did:web:cowin.example.org%3A8443:kit"
    assert body["alsoKnownAs"] == ["did:web:localhost"]
    methods = {m["id"]: m for m in body["verificationMethod"]}
    for kid in (first, second):
        method = methods[f"did:web:cowin.example.org%3A8443:kit#{kid}"]
        assert method["type"] == "JsonWebKey2020" and method["publicKeyJwk"]["kid"] == kid
        assert "d" not in method["publicKeyJwk"]  # public keys only
    assert set(body["assertionMethod"]) == set(methods)


def test_activation_is_refused_before_the_delay_unless_the_key_is_compromised(app, runner, monkeypatch, later):
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.cli import cli

    for name in ("KEYS_DIR", "DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.setenv(f"COWIN_KIT_{name}", app.config[name])
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "x")
    monkeypatch.setenv("COWIN_KIT_KEY_ACTIVATION_DELAY_HOURS", "24")
    store = keystore(app)
    old = store.active("shc").kid
    rotated = runner.invoke(cli, ["keys", "rotate", "--kind", "shc"])
    assert rotated.exit_code == 0, rotated.output
    new = next(i.kid for i in store.keys("shc") if i.status == "next")
    assert store.active("shc").kid == old
    too_soon = runner.invoke(cli, ["keys", "activate", "--kind", "shc"])
    assert too_soon.exit_code == 1
    assert "may sign from" in too_soon.output and store.active("shc").kid == old
    later(25)
    done = runner.invoke(cli, ["keys", "activate", "--kind", "shc"])
    assert done.exit_code == 0, done.output
    assert store.active("shc").kid == new
    urgent = runner.invoke(cli, ["keys", "rotate", "--kind", "divoc"])
    assert urgent.exit_code == 0
    newest = next(i.kid for i in store.keys("divoc") if i.status == "next")
    forced = runner.invoke(cli, ["keys", "activate", "--kind", "divoc", "--before-delay"])
    assert forced.exit_code == 0, forced.output
    assert store.active("divoc").kid == newest


def test_keys_generate_refuses_to_overwrite(app, runner, monkeypatch):
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.cli import cli

    for name in ("KEYS_DIR", "DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.setenv(f"COWIN_KIT_{name}", app.config[name])
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "x")
    store = keystore(app)
    before = {kind: [i.kid for i in store.keys(kind)] for kind in KINDS}
    refused = runner.invoke(cli, ["keys", "generate"])
    assert refused.exit_code == 1
    assert "already holds signing keys" in refused.output and "keys rotate" in refused.output
    refused = runner.invoke(cli, ["keys", "generate", "--kind", "shc"])
    assert refused.exit_code == 1
    assert {kind: [i.kid for i in store.keys(kind)] for kind in KINDS} == before


def test_keys_generate_makes_keys_in_an_empty_folder(runner, monkeypatch, tmp_path, database_url):
    from cowin_kit.cli import cli

    monkeypatch.setenv("COWIN_KIT_KEYS_DIR", str(tmp_path / "fresh"))
    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", database_url)
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "x")
    made = runner.invoke(cli, ["keys", "generate"])
    assert made.exit_code == 0, made.output
    assert made.output.count("\tgenerated\t") == 3
    assert (tmp_path / "fresh" / "lifecycle.json").is_file()


def test_verifier_finds_own_keys_by_kid_under_any_issuer_url(app, db, place):
    """A certificate issued under the old URL verifies after PUBLIC_URL changes (it used to
    read "unknown signing key"); a key the instance never had still does not verify."""
    from cowin_kit.certificates.stores import keystore
    from cowin_kit.certificates.formats import divoc_vc, shc
    from cowin_kit.certificates.formats.data import from_json
    from cowin_kit.certificates.verify import app_verifier
    from cryptography.hazmat.primitives.asymmetric import ec

    cert = issue(db, place)
    forms = payloads(cert)
    app.config["PUBLIC_URL"] = "https://elsewhere.example.org"
    verifier = app_verifier(app)
    assert verifier.verify(forms["divoc_vc"]).status == "valid"
    assert verifier.verify(forms["shc"]).status == "valid"
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = shc.to_qr_text(shc.encode(from_json(cert.data), stranger, keystore(app).active("shc").kid + "x"))
    assert verifier.verify(forged).status == "invalid"
    assert divoc_vc  # imported for symmetry of formats


def test_certificates_issued_before_the_record_existed_still_render(app, db, place):
    from cowin_kit.certificates.verify import app_verifier

    cert = issue(db, place)
    cert.signed_with = None
    db.session.commit()
    assert all(app_verifier(app).verify(p).status == "valid" for p in payloads(cert).values())
