"""A real local SMS provider (HTTP) for tests of the ``http`` SMS backend."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FlakyProvider(BaseHTTPRequestHandler):
    """Answers 503 to the first ``fail`` requests, then the configured final status. With
    ``gate`` (a threading.Event) set on the class, each answer waits until the gate opens."""

    fail = 2
    final = 200
    gate: threading.Event | None = None
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((json.loads(body), self.headers.get("Authorization")))
        if type(self).gate is not None:
            type(self).gate.wait(30)
        status = 503 if len(type(self).received) <= type(self).fail else type(self).final
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    handler = type("Provider", (FlakyProvider,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server, handler
    if handler.gate is not None:
        handler.gate.set()
    server.shutdown()
    server.server_close()


def http_settings(server) -> dict:
    return {"SMS_BACKEND": "http", "SMS_HTTP_TOKEN": "tok-123", "SMS_HTTP_BACKOFF": 0.01,
            "SMS_HTTP_URL": f"http://127.0.0.1:{server.server_address[1]}/sms"}


def http_app(make_app, server, **extra):
    return make_app(**http_settings(server), **extra)
