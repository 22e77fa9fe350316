"""The country profile is loaded once per app however many threads ask for it at once (a fresh
worker's eight threads all start with it unloaded), and the WSGI entry point loads it before
the process serves."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import cowin_kit.profiles as profiles


def test_threads_asking_at_once_wait_for_one_load(make_app, monkeypatch):
    app = make_app()
    real = profiles.load_profile
    loads = []

    def slow_load(*args, **kwargs):
        loads.append(threading.get_ident())
        time.sleep(0.2)  # long enough for every thread to ask while the first one loads
        return real(*args, **kwargs)

    monkeypatch.setattr(profiles, "load_profile", slow_load)
    app.extensions.pop("cowin_profile", None)
    start = threading.Barrier(8)
    got, errors = [], []

    def ask():
        try:
            with app.test_request_context("/"):
                start.wait()
                got.append(profiles.get_profile())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(loads) == 1
    assert len(got) == 8 and all(profile is got[0] for profile in got)


def test_the_wsgi_entry_point_loads_the_profile_before_serving(tmp_path):
    env = {**os.environ, "COWIN_KIT_DATABASE_URL": f"sqlite:///{tmp_path / 'kit.db'}",
           "COWIN_KIT_SECRET_KEY": "test-secret-key", "COWIN_KIT_PROFILE": "vn",
           "COWIN_KIT_INSTANCE_DIR": str(tmp_path / "instance"), "COWIN_KIT_REDIS_URL": ""}
    out = subprocess.run(
        [sys.executable, "-c", "from cowin_kit.wsgi import app; "
         "print(app.extensions['cowin_profile'].alpha2)"],
        env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().upper() == "VN"
