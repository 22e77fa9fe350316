"""Benchmark: certificate signing per format, fast vs pyld canonicalisation, QR PNG, PDF.

Everything is measured in one process on one core, in the same run, so ratios compare like
with like:

    .venv/bin/python tests/benchmarks/bench_certificates.py [--seconds 2]

Not collected by pytest. Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import hashlib
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def rate(fn, seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after one warm-up call)."""
    fn()
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        fn()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    os.environ.setdefault("COWIN_KIT_INSTANCE_DIR", "/tmp/cowin-kit-bench")

    from pyld import jsonld

    from cowin_kit.app import create_app
    from cowin_kit.certificates import pdf
    from cowin_kit.certificates.formats import canonical, ddcc, divoc_vc, eu_dcc, hcert, jose, qr, shc
    from cowin_kit.certificates.formats.contexts import SECURITY_V2, document_loader
    from tests.certificates import samples
    from tests.certificates.samples import certificate, ec_key_and_certificate, ed25519_key

    data = certificate(name="Nguyễn Thị Đoàn वेद प्रकाश محمد علي")
    ed = ed25519_key()
    ec_key, dsc = ec_key_and_certificate()
    signer = hcert.HcertSigner(ec_key, dsc)
    kid = jose.thumbprint(ec_key.public_key())
    vm = "https://cowin.example/api/kit/v1/certificates/keys#k"
    doc = divoc_vc.credential(data)
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
    assert canonical.canonicalize_credential(doc) == jsonld.normalize(copy.deepcopy(doc), options)

    def sign_with_pyld():
        """The straightforward path: same signature, pyld canonicalises both inputs."""
        proof = {"type": "Ed25519Signature2018", "created": "2021-07-24T06:20:50Z", "verificationMethod": vm,
                 "proofPurpose": "assertionMethod"}
        opts = {"@context": SECURITY_V2, **proof}
        verify_data = (hashlib.sha256(jsonld.normalize(copy.deepcopy(opts), options).encode()).digest()
                       + hashlib.sha256(jsonld.normalize(copy.deepcopy(doc), options).encode()).digest())
        header = jose.b64u(b'{"alg":"EdDSA","b64":false,"crit":["b64"]}')
        ed.sign(header.encode() + b"." + verify_data)

    s = args.seconds
    results = {}
    results["canonical form: fast"] = rate(lambda: canonical.canonicalize_credential(doc), s)
    results["canonical form: pyld"] = rate(lambda: jsonld.normalize(copy.deepcopy(doc), options), s)
    results["DIVOC W3C VC sign (fast canonical form)"] = rate(lambda: divoc_vc.encode(data, ed, vm), s)
    results["DIVOC W3C VC sign (pyld canonical form)"] = rate(sign_with_pyld, s)
    results["EU DCC sign + HC1 encode"] = rate(lambda: eu_dcc.encode(data, signer), s)
    results["WHO DDCC:VS sign + HC1 encode"] = rate(lambda: ddcc.encode(data, signer), s)
    results["SMART Health Card sign + encode"] = rate(lambda: shc.to_qr_text(shc.encode(data, ec_key, kid)), s)
    hc1 = eu_dcc.encode(data, signer)
    divoc_qr = divoc_vc.qr_bytes(divoc_vc.encode(data, ed, vm))
    shc_qr = shc.to_qr_text(shc.encode(data, ec_key, kid))

    def zxing_mask_png(payload):
        """zxing-cpp scoring the eight masks itself, then the same PNG writer."""
        return qr.png_from_modules(qr.dark_modules(qr.barcode(payload)))

    for label, payload in (("HC1", hc1), ("SHC", shc_qr), ("DIVOC zip", divoc_qr)):
        assert qr.modules(payload)[0].tolist() == qr.dark_modules(qr.barcode(payload)).tolist()
        results[f"QR PNG, {label} (mask chosen in numpy)"] = rate(lambda p=payload: qr.png(p), s)
        results[f"QR PNG, {label} (zxing-cpp choosing the mask)"] = rate(lambda p=payload: zxing_mask_png(p), s)
        if label == "HC1":
            results["QR PNG, HC1 (zxing-cpp, fixed mask, no choice)"] = rate(lambda: qr.png(hc1, mask=2), s)
        results[f"QR PNG, {label} (segno pure Python)"] = rate(lambda p=payload: qr.segno_png(p), s)
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "bench"})
    with app.app_context():
        four = dataclasses.replace(data, doses=tuple(samples.dose(n, total=2) for n in (1, 2, 3, 4)))
        results["PDF en+hi, designed page, 2 doses, HC1 QR (fastpdf)"] = rate(
            lambda: pdf.build_pdf(data, "final", ["en", "hi"], hc1, qr_format="eu_dcc",
                                  verify_url="https://cowin.example/verify"), s)
        results["PDF ar+en, 4 doses, HC1 QR, US Letter (fastpdf)"] = rate(
            lambda: pdf.build_pdf(four, "booster", ["ar", "en"], hc1, qr_format="eu_dcc",
                                  verify_url="https://cowin.example/verify", paper="letter"), s)
        results["PDF ta+en, 2 doses, HC1 QR (fastpdf)"] = rate(
            lambda: pdf.build_pdf(dataclasses.replace(data, name="முருகன் சுப்பிரமணியம்"), "final",
                                  ["ta", "en"], hc1, qr_format="eu_dcc"), s)

    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, one core")
    print("| what | per second |\n|---|---:|")
    for name, value in results.items():
        print(f"| {name} | {value:,.0f} |")
    print(f"\ncanonical form speed-up: {results['canonical form: fast'] / results['canonical form: pyld']:.1f}x; "
          f"DIVOC signing speed-up: {results['DIVOC W3C VC sign (fast canonical form)'] / results['DIVOC W3C VC sign (pyld canonical form)']:.1f}x; "
          f"QR PNG HC1: {results['QR PNG, HC1 (mask chosen in numpy)'] / results['QR PNG, HC1 (zxing-cpp choosing the mask)']:.1f}x zxing's mask choice, "
          f"{results['QR PNG, HC1 (mask chosen in numpy)'] / results['QR PNG, HC1 (segno pure Python)']:.1f}x segno; "
          f"PDFs against the 100 per second per core target: "
          f"{min(v for k, v in results.items() if k.startswith('PDF')) / 100:.1f}x (slowest case)")


if __name__ == "__main__":
    main()
