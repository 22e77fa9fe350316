"""Liveness and readiness probes."""

from __future__ import annotations

import socket

from tests.dbutil import create_database, drop_database


def test_healthz_never_needs_the_database(make_app):
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_ready_when_migrated(app, client):
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.profiles import get_profile

    degraded = client.get("/readyz")  # no signing keys yet: served, but reported
    assert degraded.status_code == 200, degraded.json
    assert degraded.json["status"] == "degraded"
    assert degraded.json["checks"] == {"database": "ok", "migrations": "ok",
                                       "redis": "not configured", "signing_keys": "failing"}
    ensure_keys(app, get_profile())
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready"
    assert response.json["checks"]["signing_keys"] == "ok"


def test_readyz_503_when_schema_not_migrated(make_app, tmp_path):
    url = create_database(tmp_path)
    try:
        app = make_app(DATABASE_URL=url)
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert "cowin-kit db upgrade" in response.json["reason"]
        from cowin_kit.core.db import db

        with app.app_context():
            db.engine.dispose()
    finally:
        drop_database(url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readyz_503_when_database_unreachable_and_recovers(make_app, database_url):
    """A database that goes away makes /readyz 503; when it is back, the same app is ready."""
    import threading

    from sqlalchemy.engine import make_url

    if database_url.startswith("sqlite"):
        # SQLite cannot go away; point at a PostgreSQL port nobody listens on instead.
        app = make_app(DATABASE_URL=f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/x")
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["reason"] == "database unreachable"
        return

    # PostgreSQL: a TCP proxy we can cut and restore stands between the app and the server.
    target = make_url(database_url)
    port = _free_port()
    state = {"up": True}
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    conns: list[socket.socket] = []

    def pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def serve():
        while True:
            try:
                client_sock, _ = listener.accept()
            except OSError:
                return
            if not state["up"]:
                client_sock.close()
                continue
            upstream = socket.create_connection((target.host or "127.0.0.1", target.port or 5432))
            conns.extend([client_sock, upstream])
            threading.Thread(target=pipe, args=(client_sock, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client_sock), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        proxied = target.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        app = make_app(DATABASE_URL=proxied)
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        state["up"] = False
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json["reason"] == "database unreachable"
        state["up"] = True
        assert client.get("/readyz").status_code == 200
    finally:
        listener.close()
