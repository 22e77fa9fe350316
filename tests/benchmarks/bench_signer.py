"""Benchmark: signing a certificate's formats in-process vs through the signer (mutual TLS).

Signs the four formats of one certificate (DIVOC, EU DCC, DDCC, SMART Health Card) with:
in-process keys (encrypted PKCS#8 files, as a single machine does), the signer with one call
per format, and the signer with one call for all formats (what ``issuance.render`` does). The
signer is a real ``cowin-kit signer serve`` (gunicorn, TLS with client certificates) on this
machine, so the numbers are a lower bound for a signer one network hop away:

    .venv/bin/python tests/benchmarks/bench_signer.py [--seconds 2] [--threads 8]

Not collected by pytest. Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PASSPHRASE = "benchmark passphrase"


def rate(fn, seconds: float, threads: int = 1) -> float:
    """Calls per second of ``fn`` over about ``seconds`` from ``threads`` threads."""
    fn()
    counts = [0] * threads
    deadline = time.perf_counter() + seconds

    def work(i):
        while time.perf_counter() < deadline:
            fn()
            counts[i] += 1

    start = time.perf_counter()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=8, help="concurrent callers (web threads)")
    args = parser.parse_args()

    from cowin_kit.certificates.backends import BackendSettings
    from cowin_kit.certificates.keys import KINDS, KeyStore
    from tests.certificates.signer_support import sample, sign_all, start_signer, stop_signer

    formats = ("divoc_vc", "eu_dcc", "ddcc", "shc")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        local = KeyStore(folder / "keys", BackendSettings(passphrase=PASSPHRASE.encode()))
        for kind in KINDS:
            local.generate(kind, issuer_name="Ministry of Health", country="IN")
        running = start_signer(folder, folder / "keys", {"COWIN_KIT_KEYS_PASSPHRASE": PASSPHRASE})
        try:
            remote = running.remote_store()
            data = sample()
            s = args.seconds

            def per_format():
                for fmt in formats:
                    sign_all(remote, data, (fmt,))

            results = {
                "in-process, 4 formats": rate(lambda: sign_all(local, data), s),
                "signer, 4 formats, one call per format": rate(per_format, s),
                "signer, 4 formats in one call (issuance.render)": rate(lambda: sign_all(remote, data), s),
                f"signer, 4 formats in one call, {args.threads} threads": rate(
                    lambda: sign_all(remote, data), s, args.threads),
                f"in-process, 4 formats, {args.threads} threads": rate(
                    lambda: sign_all(local, data), s, args.threads),
            }
        finally:
            stop_signer(running)

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"signer: 1 gunicorn worker on the same machine\n")
    print("| certificate (all formats) | per second | ms each |")
    print("|---|---:|---:|")
    for name, value in results.items():
        print(f"| {name} | {value:,.0f} | {1000 / value:.2f} |")


if __name__ == "__main__":
    main()
