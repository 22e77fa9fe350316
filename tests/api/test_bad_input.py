"""Bad input is a clear 4xx on every route, never a 5xx: deep JSON, invalid JSON, NUL bytes,
lone surrogates, out-of-range integers and dates, oversized (also chunked) bodies.

Routes come from the URL map, so a new route is covered without editing this file. The
answers keep each surface's shape: CoWIN's ``{"errorCode", "error"}`` under /api/v2, the
kit's ``{"error": {"code", "message"}}`` under /api/kit/v1, a localised HTML page elsewhere.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

from cowin_kit.core.inputs import INT32_MAX
from cowin_kit.web.requests import MAX_JSON_DEPTH
from tests.factories import make_area, make_staff, sign_in

DEEP = "[" * 50_000 + "]" * 50_000
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def app(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, STAFF_ARGON2_TIME_COST=1, STAFF_ARGON2_MEMORY_KIB=1024)
    with app.app_context():
        yield app


def _path_values(rule) -> dict:
    """A plausible value for each path part: 1 for integers, a UUID, the first of an any(...)."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return values


def _rules(app, prefix="/", methods=None):
    """(method, URL) for every rule under ``prefix``, path parts filled with plausible values."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or rule.endpoint.endswith("static"):
            continue
        url = rule.build(_path_values(rule), append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if methods is None or method in methods:
                found.append((method, url))
    return found


def _json_routes(app):
    return [r for r in _rules(app, "/api/", BODY_METHODS)]


def _code(response) -> str:
    """The error code in either API shape."""
    body = response.get_json()
    return body["errorCode"] if "errorCode" in body else body["error"]["code"]


def _assert_refused(response, url, code, status=400):
    assert response.status_code == status, (url, response.status_code, response.get_data()[:300])
    if url.startswith(("/api/", "/.well-known/")):  # JSON surfaces
        assert _code(response) == code, (url, response.get_json())
        if url.startswith("/api/v2/"):
            assert set(response.get_json()) == {"errorCode", "error"}
    else:
        assert response.mimetype == "text/html", url


def test_every_json_endpoint_refuses_json_nested_50000_deep(app, client):
    routes = _json_routes(app)
    assert len(routes) >= 30, routes  # the URL map was read: both APIs' writes are here
    for method, url in routes:
        response = client.open(url, method=method, data=DEEP, content_type="application/json")
        _assert_refused(response, url, "JSON_TOO_DEEP")
        assert str(MAX_JSON_DEPTH) in json.dumps(response.get_json()), url


def test_json_depth_limit_is_exact(client):
    url = "/api/kit/v1/certificates/verify"
    at_limit = "[" * (MAX_JSON_DEPTH - 1) + "1" + "]" * (MAX_JSON_DEPTH - 1)
    ok = client.post(url, data=f'{{"payload": {at_limit}}}', content_type="application/json")
    assert ok.status_code == 422  # parsed, then refused by the schema (payload is a string)
    over = "[" * MAX_JSON_DEPTH + "1" + "]" * MAX_JSON_DEPTH
    too_deep = client.post(url, data=f'{{"payload": {over}}}', content_type="application/json")
    _assert_refused(too_deep, url, "JSON_TOO_DEEP")


@pytest.mark.parametrize("body, code", [
    ('{"mobile": "98765', "INVALID_JSON"),
    (b'{"mobile": "\xff\xfe"}', "INVALID_JSON"),
    ('{"mobile": "9876543210\\ud800"}', "INVALID_CHARACTER"),
    ('{"name\\udfff": "x"}', "INVALID_CHARACTER"),
    ('{"mobile": "98765\\u000043210"}', "NUL_CHARACTER"),
    ('{"a": [{"b": ["\\u0000"]}]}', "NUL_CHARACTER"),
])
def test_every_json_endpoint_refuses_malformed_json(app, client, body, code):
    for method, url in _json_routes(app):
        response = client.open(url, method=method, data=body, content_type="application/json")
        _assert_refused(response, url, code)


def test_every_route_refuses_nul_in_the_query(app, client):
    routes = _rules(app)
    assert len(routes) >= 100
    for method, url in routes:
        response = client.open(url + "?q=a%00b", method=method)
        _assert_refused(response, url, "NUL_CHARACTER")


def test_every_route_with_a_text_part_refuses_nul_in_the_path(app, client):
    checked = 0
    for method, url in _rules(app):
        if "/x" not in url:
            continue
        bad = url.replace("/x", "/x%00", 1)
        _assert_refused(client.open(bad, method=method), bad, "NUL_CHARACTER")
        checked += 1
    assert checked >= 20


def test_every_form_route_refuses_nul_in_a_field(app, client):
    for method, url in _rules(app, "/", ("POST",)):
        if url.startswith("/api/"):
            continue
        response = client.post(url, data={"mobile": "98765\x0043210", "name": "a"})
        _assert_refused(response, url, "NUL_CHARACTER")


def test_nul_in_a_header_is_refused(client):
    response = client.get("/api/v2/admin/location/states", headers={"Accept-Language": "hi\x00"})
    _assert_refused(response, "/api/v2/", "NUL_CHARACTER")


def test_nul_reaching_the_database_is_refused_before_it(app, client, db):
    """The fields the probe found (PostgreSQL raised DataError on each): now a 400 first."""
    staff = make_staff(db, "national_admin", "nat")
    db.session.commit()
    sign_in(client, staff)
    cases = [
        ("GET", "/api/kit/v1/beneficiaries/1234%00", None),
        ("GET", "/desk/find?q=12%0034", None),
        ("GET", "/staff/audit/?actor=a%00b", None),
        ("POST", "/api/kit/v1/staff/session", {"username": "nat\u0000", "password": "x"}),
        ("POST", "/api/kit/v1/auth/otp", {"mobile": "98765\u000043210"}),
        ("POST", "/api/kit/v1/certificates/verify", {"payload": "HC1:\u0000"}),
    ]
    answers = {url: client.open(url, method=method, json=body,
                                headers={"X-Requested-With": "XMLHttpRequest"})
               for method, url, body in cases}
    assert {url: r.status_code for url, r in answers.items()} == {url: 400 for url in answers}
    for url, response in answers.items():
        _assert_refused(response, url, "NUL_CHARACTER")


def test_lone_surrogate_in_a_form_field_is_replaced_not_a_crash(client):
    """Form and query bytes are UTF-8 decoded with replacement: a surrogate's bytes (ED A0 80)
    can never reach a handler as a lone surrogate."""
    response = client.post("/signin", data=b"mobile=98765%ED%A0%80",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


@pytest.mark.parametrize("number", [INT32_MAX + 1, 10**30])
def test_every_int_route_is_a_404_past_the_column_range(app, client, number):
    routes = []
    for rule in app.url_map.iter_rules():
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if ints:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                values = _path_values(rule)
                url = rule.build(values, append_unknown=False)[1]
                routes.append((method, url.replace("/1", f"/{number}")))
    assert len(routes) >= 15
    for method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 404, (method, url, response.status_code)
    body = client.get(f"/api/v2/admin/location/districts/{number}").get_json()
    assert set(body) == {"errorCode", "error"}  # CoWIN's shape even before a route matched


def test_int_route_in_range_still_matches(client):
    assert client.get(f"/api/v2/admin/location/districts/{INT32_MAX}").get_json() == {
        "errorCode": "USRRES0004", "error": "We could not find what you asked for."}


@pytest.mark.parametrize("url", [
    "/api/v2/appointment/sessions/public/findByDistrict?district_id={n}&date=01-06-2030",
    "/api/v2/appointment/sessions/public/calendarByDistrict?district_id={n}&date=01-06-2030",
    "/api/v2/appointment/sessions/public/calendarByCenter?center_id={n}&date=01-06-2030",
    "/api/kit/v1/availability?facility_id={n}",
    "/api/kit/v1/availability?area_id={n}",
])
@pytest.mark.parametrize("number", [INT32_MAX + 1, 10**30, -(10**30)])
def test_query_integers_past_the_column_range_are_a_400(client, url, number):
    response = client.get(url.format(n=number))
    assert response.status_code in (400, 422), response.get_data()[:300]
    assert "2147483647" in response.get_data(as_text=True)


def test_body_integers_past_the_column_range_are_a_400(app, client, db):
    from cowin_kit.booking.models import Facility

    area = make_area(db, "T-A")
    facility = Facility(code="F1", name="Centre", area_id=area.id, fee_type="Free")
    db.session.add(facility)
    staff = make_staff(db, "national_admin", "nat")
    db.session.commit()
    sign_in(client, staff)
    url = f"/api/kit/v1/staff/facilities/{facility.id}/sessions"
    good = {"dates": ["2030-06-01"], "vaccine": "covishield", "capacities": {"1": 10}}
    for bad in ({"fee": 2**70}, {"min_age": 2**40}, {"capacities": {"1": 2**70}},
                {"dates": ["9999-12-31"]}):
        response = client.post(url, json={**good, **bad},
                               headers={"X-Requested-With": "XMLHttpRequest"})
        assert response.status_code == 422, (bad, response.get_data()[:300])
        fields = response.get_json()["error"]["fields"]["json"]
        assert list(fields) == list(bad), fields


@pytest.mark.parametrize("url", [
    "/api/v2/appointment/sessions/public/calendarByPin?pincode=412207&date=31-12-9999",
    "/api/v2/appointment/sessions/public/findByPin?pincode=412207&date=9999-12-31",
    "/api/kit/v1/availability?postal_code=412207&date=9999-12-31",
    "/api/kit/v1/availability?postal_code=412207&date=01-01-0001",
    "/find?postal_code=412207&date=9999-12-31",
])
def test_dates_past_the_accepted_range_are_refused_with_the_range(client, url):
    response = client.get(url)
    text = response.get_data(as_text=True)
    if url.startswith("/find"):  # the search page shows the error beside the field
        assert response.status_code == 200 and "2100-12-31" in text
    else:
        assert response.status_code in (400, 422), text[:300]
        assert "1900-01-01" in text and "2100-12-31" in text


def _chunked(client, url, content_type, size=10 * 1024 * 1024):
    """POST ``size`` bytes as a chunked body (no Content-Length), as a WSGI server passes it."""
    class Endless(io.RawIOBase):
        sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            n = min(len(buffer), size - self.sent)
            buffer[:n] = b"1" * n
            self.sent += n
            return n

    source = Endless()
    response = client.post(url, content_type=content_type,
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": io.BufferedReader(source),
                                              "wsgi.input_terminated": True})
    return response, source.sent


@pytest.mark.parametrize("url, content_type", [
    ("/api/v2/auth/public/generateOTP", "application/json"),
    ("/api/kit/v1/auth/otp", "application/json"),
    ("/signin", "application/x-www-form-urlencoded"),
    ("/verify", "multipart/form-data; boundary=b"),
])
def test_chunked_body_over_the_limit_is_a_413(app, client, url, content_type):
    response, sent = _chunked(client, url, content_type)
    assert response.status_code == 413, response.get_data()[:300]
    assert sent <= app.config["MAX_CONTENT_LENGTH"] + 64 * 1024  # stopped reading at the limit
    if url.startswith("/api/v2/"):
        assert set(response.get_json()) == {"errorCode", "error"}


def test_chunked_body_under_the_limit_is_read_whole(client):
    response, _ = _chunked(client, "/api/kit/v1/certificates/verify", "application/json", 100)
    # 100 ones parse as one JSON number: the schema, not the reader, refuses it
    assert response.status_code == 422 and _code(response) == "VALIDATION_FAILED"


def test_declared_length_over_the_limit_is_a_413(app, client):
    big = b"[" + b"1," * (app.config["MAX_CONTENT_LENGTH"] // 2) + b"1]"
    response = client.post("/api/kit/v1/auth/otp", data=big, content_type="application/json")
    assert response.status_code == 413 and _code(response) == "REQUEST_ENTITY_TOO_LARGE"


@pytest.mark.parametrize("path, shape", [("/api/v2/boom", "cowin"), ("/api/kit/v1/boom", "kit"),
                                         ("/boom", "html")])
def test_unexpected_errors_never_leak_internals(make_app, path, shape):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("secret-dsn postgresql://user:pw@db/x")

    app.add_url_rule(path, "boom", boom)
    response = app.test_client().get(path)
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret-dsn" not in text and "Traceback" not in text and "RuntimeError" not in text
    if shape == "cowin":
        assert set(response.get_json()) == {"errorCode", "error"}
    elif shape == "kit":
        assert response.get_json()["error"]["code"] == "INTERNAL_ERROR"
    else:
        assert response.mimetype == "text/html"


@pytest.mark.slow
def test_chunked_body_over_the_limit_is_a_413_through_gunicorn(database_url, tmp_path):
    """gunicorn hands a chunked body to the app unbounded (wsgi.input_terminated): the kit's
    request stream must stop it at MAX_CONTENT_LENGTH and answer 413, on both APIs."""
    import os
    import socket
    import subprocess
    import sys
    import threading
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "t" * 32,
           "COWIN_KIT_INSTANCE_DIR": str(tmp_path), "COWIN_KIT_REDIS_URL": ""}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning",
                               "cowin_kit.wsgi:app"], env=env)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)
        for path in ("/api/kit/v1/auth/otp", "/api/v2/auth/public/generateOTP"):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
                answer: list[bytes] = []
                # Read while sending: the 413 comes before the server stops reading.
                reader = threading.Thread(target=lambda: answer.append(conn.recv(200)))
                reader.start()
                conn.sendall(f"POST {path} HTTP/1.1\r\nHost: kit\r\nContent-Type: "
                             "application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
                chunk = b"1" * 65536
                try:
                    for _ in range(160):  # 10 MiB
                        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    conn.sendall(b"0\r\n\r\n")
                except OSError:
                    pass  # the server answered and closed: the rest is not read
                reader.join(timeout=30)
            assert answer and answer[0].startswith(b"HTTP/1.1 413"), (path, answer)
    finally:
        server.terminate()
        server.wait(timeout=20)
