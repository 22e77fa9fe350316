"""The offline verifier (/verifier/) in Chromium: opened once online, then with the network
switched off it still opens (service worker) and verifies EU DCC, WHO DDCC:VS and SMART Health
Card QR texts and the DIVOC W3C credential of this instance in the browser (WebCrypto, pako,
cbor-x, jsonld.js), from the cached keys and revocation list; a tampered card or credential is
refused, and so is a credential with a term its contexts do not define or a vaccination context
from another host. Back online, the lists refresh: the certificate revoked meanwhile then shows as revoked offline."""

from __future__ import annotations

import json
import subprocess
import sys

import base64
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

PAYLOADS = """
import base64
import copy
import json
import sqlalchemy as sa
from cowin_kit.app import create_app
from cowin_kit.certificates import issuance
from cowin_kit.certificates.formats import divoc_vc
from cowin_kit.certificates.models import Certificate
from cowin_kit.core.db import db

app = create_app()
with app.app_context():
    cert = db.session.execute(sa.select(Certificate).where(Certificate.revoked_at.is_(None))
                              .order_by(Certificate.id).limit(1)).scalar_one()
    out = {f: issuance.qr_payload(cert, f) for f in ("eu_dcc", "ddcc", "shc")}
    divoc = issuance.qr_payload(cert, "divoc_vc")
    divoc = divoc if isinstance(divoc, bytes) else divoc.encode()
    out["divoc_vc"] = base64.b64encode(divoc).decode()
    signed = divoc_vc.from_qr_bytes(divoc)
    out["divoc_json"] = json.dumps(signed)
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["name"] += "x"  # a signed value changed
    out["divoc_tampered"] = json.dumps(changed)
    extra = copy.deepcopy(signed)
    extra["credentialSubject"]["undefinedTerm"] = "x"  # JSON-LD would drop it: refused
    out["divoc_extra_term"] = json.dumps(extra)
    foreign = copy.deepcopy(signed)
    foreign["@context"][1] = "https://elsewhere.example/credentials/vaccination/v1"
    out["divoc_foreign_context"] = json.dumps(foreign)
    # a credential under an RSA key (RsaSignature2018, PS256) this instance does not publish
    import datetime as dt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cowin_kit.certificates.formats import jose
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    out["divoc_rsa"] = json.dumps(divoc_vc.sign(unsigned, rsa_key, unsigned["issuer"] + "#e2e-rsa",
                                                dt.datetime.now(dt.timezone.utc)))
    out["rsa_jwk"] = jose.public_jwk(rsa_key.public_key())
    db.session.commit()
    print(json.dumps(out))
"""

REVOKE = """
import datetime as dt
import sys
import sqlalchemy as sa
from cowin_kit.app import create_app
from cowin_kit.certificates.models import Certificate
from cowin_kit.core.db import db

app = create_app()
with app.app_context():
    cert = db.session.execute(sa.select(Certificate).where(Certificate.revoke_reason.is_not(None)
                              if sys.argv[1:] == ["undo"] else Certificate.revoked_at.is_(None))
                              .order_by(Certificate.id).limit(1)).scalar_one()
    undo = sys.argv[1:] == ["undo"]
    cert.revoked_at = None if undo else dt.datetime.now(dt.timezone.utc)
    cert.revoke_reason = None if undo else "e2e"
    db.session.commit()
    print("{}")
"""


def _run(server, script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], env=server.env, cwd=server.folder,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verify(page, payload: str):
    page.fill("#offline-payload", payload)
    page.get_by_role("button", name="Verify", exact=True).click()
    return page.locator("#offline-result")


def test_offline_verifier_checks_every_format_with_the_network_off(server, context, shot):
    payloads = _run(server, PAYLOADS)
    page = context.new_page()
    page.goto(server.url + "/verifier/")
    expect(page.locator("#offline-verifier")).to_have_attribute("data-ready", "yes")
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the service worker
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    assert context.request.get(server.url + manifest).json()["display"] == "standalone"

    context.set_offline(True)
    page.reload()  # the page and its scripts come from the service worker's cache
    expect(page.locator("#lists-state")).to_have_text("offline")
    expect(page.locator("#lists-age")).not_to_have_text("")
    for fmt in ("eu_dcc", "ddcc", "shc"):
        result = _verify(page, payloads[fmt])
        expect(result).to_have_attribute("data-status", "valid", timeout=10000)
        expect(result).to_have_attribute("data-format", fmt)
        expect(result).to_contain_text("genuine and valid")
    shot(page, "offline-verifier")
    shc = payloads["shc"]
    # a character of the signature changed to another base64url character ("20" is A, "21" B;
    # "00" is "-" but "01" would be ".", which base64url does not have: unreadable, not forged)
    other = "21" if shc[-6:-4] == "20" else "20"
    tampered = _verify(page, shc[:-6] + other + shc[-4:])
    expect(tampered).to_have_attribute("data-status", "invalid")
    expect(tampered).to_have_attribute("data-reason", "BAD_SIGNATURE")
    # the W3C credential: JSON-LD canonicalised in the page from its bundled contexts
    for fmt in ("divoc_vc", "divoc_json"):
        result = _verify(page, payloads[fmt])
        expect(result).to_have_attribute("data-status", "valid", timeout=10000)
        expect(result).to_have_attribute("data-format", "divoc_vc")
        expect(result).to_contain_text("genuine and valid")
    for fmt, reason in (("divoc_tampered", "BAD_SIGNATURE"), ("divoc_extra_term", "UNREADABLE"),
                        ("divoc_foreign_context", "UNREADABLE"), ("divoc_rsa", "UNKNOWN_ISSUER")):
        refused = _verify(page, payloads[fmt])
        expect(refused).to_have_attribute("data-reason", reason, timeout=10000)
        expect(refused).to_have_attribute("data-status", "invalid")
    # the RSA proof checks once its key is in the trust list (as if this instance published it)
    page.evaluate("""jwk => { const data = JSON.parse(localStorage.getItem('cowin-kit-offline-verifier'));
        data.formats.divoc_vc.push({kid: 'e2e-rsa', alg: 'PS256', jwk: jwk});
        localStorage.setItem('cowin-kit-offline-verifier', JSON.stringify(data)); }""", payloads["rsa_jwk"])
    expect(_verify(page, payloads["divoc_rsa"])).to_have_attribute("data-status", "valid", timeout=10000)
    rsa_changed = json.loads(payloads["divoc_rsa"])
    rsa_changed["evidence"][0]["dose"] += 1
    expect(_verify(page, json.dumps(rsa_changed))).to_have_attribute("data-reason", "BAD_SIGNATURE",
                                                                      timeout=10000)
    # a browser without Ed25519 in WebCrypto says so rather than calling the credential forged
    page.evaluate("""() => { const original = crypto.subtle.importKey.bind(crypto.subtle);
        crypto.subtle.importKey = (format, key, algorithm, ...rest) => algorithm.name === 'Ed25519'
            ? Promise.reject(new DOMException('Ed25519', 'NotSupportedError'))
            : original(format, key, algorithm, ...rest); }""")
    expect(_verify(page, payloads["divoc_vc"])).to_have_attribute("data-reason", "BROWSER_UNSUPPORTED",
                                                                  timeout=10000)

    # back online: the certificate is revoked, the lists are refreshed, then offline again
    context.set_offline(False)
    _run(server, REVOKE)
    try:
        page.get_by_role("button", name="Update now").click()
        # a function, not an expression: the page's CSP (no unsafe-eval) stops polled expressions
        page.wait_for_function("() => JSON.parse(localStorage.getItem('cowin-kit-offline-verifier'))"
                               ".revoked.length > 0")
        context.set_offline(True)
        page.reload()
        for fmt in ("eu_dcc", "ddcc", "shc", "divoc_vc"):
            expect(_verify(page, payloads[fmt])).to_have_attribute("data-status", "revoked", timeout=10000)
    finally:
        context.set_offline(False)
        _run(server, REVOKE, "undo")  # the session's demo instance serves other tests
        page.close()


def _camera_video(payload: bytes, path: Path, side: int = 800) -> Path:
    """A one-frame Y4M video of the QR code (Chromium's fake camera plays it in a loop)."""
    from cowin_kit.certificates.formats import qr

    modules = np.pad(qr.dark_modules(qr.barcode(payload)), 4)
    scale = side // modules.shape[0]
    luma = np.full((side, side), 255, np.uint8)
    image = np.kron(np.where(modules, 0, 255).astype(np.uint8), np.ones((scale, scale), np.uint8))
    offset = (side - image.shape[0]) // 2
    luma[offset:offset + image.shape[0], offset:offset + image.shape[1]] = image
    chroma = np.full((side // 2, side // 2), 128, np.uint8).tobytes()
    path.write_bytes(f"YUV4MPEG2 W{side} H{side} F5:1 Ip A1:1 C420jpeg\n".encode()
                     + b"FRAME\n" + luma.tobytes() + chroma + chroma)
    return path


def test_offline_verifier_scans_a_w3c_credential_with_the_camera(server, browser, tmp_path):
    """The camera scanner (verify-scan.js with the bundled jsQR) in the offline app: the DIVOC
    credential's binary QR code, read from Chromium's fake camera with the network off,
    verifies in the page."""
    payloads = _run(server, PAYLOADS)
    video = _camera_video(base64.b64decode(payloads["divoc_vc"]), tmp_path / "qr.y4m")
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(locale="en-US")
        context.set_default_timeout(15000)
        context.grant_permissions(["camera"], origin=server.url)
        page = context.new_page()
        page.goto(server.url + "/verifier/")
        expect(page.locator("#offline-verifier")).to_have_attribute("data-ready", "yes")
        page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
        context.set_offline(True)
        page.reload()
        expect(page.locator("#lists-state")).to_have_text("offline")
        page.get_by_role("button", name="Scan with the camera").click()
        result = page.locator("#offline-result")
        expect(result).to_have_attribute("data-status", "valid", timeout=20000)
        expect(result).to_have_attribute("data-format", "divoc_vc")
        expect(page.locator("#scan-panel")).to_be_hidden()  # the camera is stopped once read
    finally:
        camera.close()


# The page's fetch, answering the revocations URL with a changed copy of the real answer.
TAMPER = """change => { const original = window.fetch.bind(window);
    window.fetch = (url, options) => !String(url).endsWith('/certificates/revocations') ? original(url, options)
        : original(url, options).then(r => r.json()).then(body => {
            const [h, p, s] = (body.jws || '..').split('.');
            const b64 = t => btoa(unescape(encodeURIComponent(t))).replace(/=+$/, '').replace(/\\+/g, '-').replace(/\\//g, '_');
            const payload = JSON.parse(decodeURIComponent(escape(atob(p.replace(/-/g, '+').replace(/_/g, '/')))));
            const extra = {certificate_id: 'FORGED-1', uvci: 'URN:UVCI:FORGED', rid: 'forged', revoked_at: '2026-01-01T00:00:00Z', reason: ''};
            if (change === 'body') { body.revoked = [...body.revoked, extra]; }
            if (change === 'payload') { payload.revoked = [...payload.revoked, extra]; body.revoked = payload.revoked;
                                        body.jws = h + '.' + b64(JSON.stringify(payload)) + '.' + s; }
            if (change === 'unsigned') { body.revoked = []; body.jws = null; }
            if (change === 'signature') { body.jws = h + '.' + p + '.' + (s[0] === 'A' ? 'B' : 'A') + s.slice(1); }
            return new Response(JSON.stringify(body), {status: 200, headers: {'Content-Type': 'application/json'}});
        }); }"""


def test_offline_verifier_refuses_a_revocation_list_whose_signature_does_not_verify(server, context):
    """The revocation list is cached only when its JWS verifies with this instance's published
    revocation key and the list sent is the list signed: otherwise the cached list stays and
    the page shows a warning."""
    _run(server, REVOKE)  # one revoked certificate, so there is something to strip
    page = context.new_page()
    try:
        page.goto(server.url + "/verifier/")
        expect(page.locator("#offline-verifier")).to_have_attribute("data-ready", "yes")
        stored = "() => localStorage.getItem('cowin-kit-offline-verifier')"
        page.wait_for_function("() => JSON.parse(localStorage.getItem('cowin-kit-offline-verifier'))"
                               ".revoked.length > 0")
        genuine = json.loads(page.evaluate(stored))
        expect(page.locator("#lists-warning")).to_be_hidden()
        newer = "f => JSON.parse(localStorage.getItem('cowin-kit-offline-verifier')).fetched > f"
        for change in ("body", "payload", "unsigned", "signature"):
            fetched = json.loads(page.evaluate(stored))["fetched"]
            page.reload()  # the page refreshes the lists as it opens: the genuine ones
            page.wait_for_function(newer, arg=fetched)
            expect(page.locator("#lists-warning")).to_be_hidden()
            before = json.loads(page.evaluate(stored))
            assert before["revoked"] == genuine["revoked"]
            page.evaluate(TAMPER, change)
            page.get_by_role("button", name="Update now").click()
            expect(page.locator("#lists-warning")).to_be_visible()
            expect(page.locator("#offline-verifier")).to_have_attribute("data-lists-warning", "revocations")
            assert json.loads(page.evaluate(stored)) == before, change  # nothing of it was kept
    finally:
        _run(server, REVOKE, "undo")
        page.close()


SECOND_ISSUER = """
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cowin_kit.app import create_app
from cowin_kit.certificates.formats import eu_dcc, hcert, jose, shc
from tests.certificates import samples

app = create_app()
trust = Path(app.config["KEYS_DIR"]) / "trust"
trust.mkdir(parents=True, exist_ok=True)
now = dt.datetime.now(dt.timezone.utc)
issuer = dataclasses.replace(samples.ISSUER, url="https://second-issuer.example")
data = samples.certificate(name="Amina Second", issuer=issuer, issued_at=now,
                           valid_until=(now + dt.timedelta(days=365)).date())
dsc_key, dsc = samples.ec_key_and_certificate("Second issuer e2e DSC")
(trust / "second-e2e.pem").write_bytes(dsc.public_bytes(serialization.Encoding.PEM))
shc_key = ec.generate_private_key(ec.SECP256R1())
kid = jose.thumbprint(shc_key.public_key())
private = {**jose.public_jwk(shc_key.public_key()), "kid": kid, "alg": "ES256",
           "d": jose.b64u(shc_key.private_numbers().private_value.to_bytes(32, "big"))}
(trust / "second-e2e.json").write_text(json.dumps({"iss": issuer.url, "name": "Second Ministry e2e",
                                                   "keys": [private]}))
other = dataclasses.replace(data, issuer=dataclasses.replace(issuer, url="https://not-that-issuer.example"))
print(json.dumps({"eu_dcc": eu_dcc.encode(data, hcert.HcertSigner(dsc_key, dsc)),
                  "shc": shc.to_qr_text(shc.encode(data, shc_key, kid)),
                  "shc_other_iss": shc.to_qr_text(shc.encode(other, shc_key, kid))}))
"""

UNTRUST = """
from pathlib import Path
from cowin_kit.app import create_app

app = create_app()
for name in ("second-e2e.pem", "second-e2e.json"):
    (Path(app.config["KEYS_DIR"]) / "trust" / name).unlink(missing_ok=True)
print("{}")
"""


def test_offline_verifier_trusts_the_other_issuers_this_instance_trusts(server, context):
    """Certificates signed by another issuer in KEYS_DIR/trust (a document-signer certificate
    for HC1, a key set for SMART Health Cards) verify offline, named as that issuer; no private
    key member of a trusted key set reaches the page; an SHC from another "iss" stays unknown."""
    payloads = _run(server, SECOND_ISSUER, str(Path(__file__).resolve().parents[2]))
    page = context.new_page()
    try:
        page.goto(server.url + "/verifier/")
        page.wait_for_function("() => ((JSON.parse(localStorage.getItem('cowin-kit-offline-verifier') || '{}')"
                               ".trusted || {}).jwks || []).length > 0")
        stored = json.loads(page.evaluate("() => localStorage.getItem('cowin-kit-offline-verifier')"))
        keyset = next(k for k in stored["trusted"]["jwks"] if k["name"] == "Second Ministry e2e")
        assert keyset["keys"] and all("d" not in key for key in keyset["keys"])
        page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
        context.set_offline(True)
        page.reload()
        expect(page.locator("#lists-state")).to_have_text("offline")
        for fmt, name in (("eu_dcc", "Second issuer e2e DSC"), ("shc", "Second Ministry e2e")):
            result = _verify(page, payloads[fmt])
            expect(result).to_have_attribute("data-status", "valid", timeout=10000)
            expect(result).to_have_attribute("data-format", fmt)
            expect(result).to_contain_text(name)
        refused = _verify(page, payloads["shc_other_iss"])
        expect(refused).to_have_attribute("data-reason", "UNKNOWN_ISSUER", timeout=10000)
    finally:
        context.set_offline(False)
        _run(server, UNTRUST)
        page.close()
