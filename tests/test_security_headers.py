"""Security headers on every response; no inline script or style in any template (so the
Content-Security-Policy needs no 'unsafe-inline'); personal data never cached; nothing loaded
from a CDN (the API reference page runs the bundled ReDoc)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import current_app

from tests.factories import citizen_sign_in, make_area, make_person, make_staff, sign_in

PACKAGE = Path(__file__).resolve().parent.parent / "cowin_kit"
#: Endpoints whose answers are public on purpose and may be kept by browsers and proxies.
CACHEABLE = {
    "booking_api.availability", "certificates_well_known.jwks", "reporting.dashboard_page",
    "web.branding_css", "web.emblem",
    # the instance's DID document and credential context: public keys and JSON-LD, no one's data
    "certificates_well_known.did_document", "certificates_well_known.vaccination_context",
}


def csp(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split(None, 1)[1] for part in header.split("; ")}


def assert_hardened(response, where: str) -> None:
    policy = csp(response)
    assert policy["script-src"] == "'self'", where
    assert policy["style-src"] == "'self'", where
    assert policy["frame-ancestors"] == "'none'", where
    assert policy["object-src"] == "'none'", where
    assert "unsafe" not in response.headers["Content-Security-Policy"], where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    assert response.headers["X-Frame-Options"] == "DENY", where


def get_routes(app):
    """Every GET route that needs no argument from its URL."""
    return sorted((rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and rule.arguments <= set(rule.defaults or ()))


@pytest.fixture
def people(app, db):
    from cowin_kit.accounts.models import CitizenAccount

    account = CitizenAccount(mobile="+919876543210")
    db.session.add(account)
    db.session.flush()
    person = make_person(db, account=account)
    admin = make_staff(db, "national_admin", "nat")
    db.session.commit()
    return account, person, admin


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff"])
def test_every_page_is_hardened_and_personal_answers_are_never_cached(app, people, who):
    account, _person, admin = people
    client = app.test_client()
    if who == "citizen":
        citizen_sign_in(client, account)
    elif who == "staff":
        sign_in(client, admin)
    routes = get_routes(app)
    assert len(routes) > 30
    for rule, endpoint in routes:
        response = client.get(rule)
        where = f"{who} GET {rule} -> {response.status_code}"
        assert response.status_code < 500, where
        if endpoint == "api-docs.openapi_redoc":
            continue  # its own test below
        assert_hardened(response, where)
        cache = response.headers["Cache-Control"]
        if endpoint in CACHEABLE and response.status_code == 200:
            assert "public" in cache, where
        elif endpoint.endswith(".static"):
            assert "no-store" not in cache, where  # revalidated, not refetched
        else:
            assert cache == "no-store", where


def test_public_availability_stays_cacheable_and_a_personal_query_does_not(app, people):
    account, person, _admin = people
    client = app.test_client()
    public = client.get("/api/kit/v1/availability?postal_code=411007")
    assert public.status_code == 200
    assert public.headers["Cache-Control"].startswith("public, max-age=")
    citizen_sign_in(client, account)
    personal = client.get(f"/api/kit/v1/availability?reference_id={person.reference_id}")
    assert personal.status_code == 200
    assert personal.headers["Cache-Control"] == "no-store"


def test_error_pages_are_hardened_too(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_hardened(response, "404")
    assert response.headers["Cache-Control"] == "no-store"


def test_https_requests_get_strict_transport_security(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_certificate_files_are_never_cached(db_world_certificate):
    client, person = db_world_certificate
    for path in (f"/certificates/{person.reference_id}",
                 f"/certificates/{person.reference_id}/divoc_vc.svg",
                 f"/certificates/{person.reference_id}/divoc_vc.png",
                 f"/api/kit/v1/certificates/{person.reference_id}",
                 f"/api/kit/v1/certificates/{person.reference_id}?as=png&format=eu_dcc"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


@pytest.fixture
def db_world_certificate(app, db, people):
    """A citizen signed in, with a person who has a certificate for a recorded dose."""
    from cowin_kit.booking.models import Facility
    from cowin_kit.certificates.stores import ensure_keys
    from cowin_kit.profiles import get_profile
    from cowin_kit.vaccination.signals import dose_recorded
    from tests.certificates.world import make_dose

    ensure_keys(app, get_profile())
    account, person, _admin = people
    area = make_area(db, "H-S")
    facility = Facility(code="HF", name="PHC", area_id=area.id, fee_type="Free", address="Road")
    db.session.add(facility)
    db.session.flush()
    dose = make_dose(db, person, facility)
    db.session.commit()
    dose_recorded.send(current_app._get_current_object(), dose=dose)
    client = app.test_client()
    citizen_sign_in(client, account)
    return client, person


def test_the_api_reference_runs_the_bundled_redoc_under_a_scoped_policy(client):
    page = client.get("/api/kit/v1/docs")
    assert page.status_code == 200
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', page.get_data(as_text=True))
    assert sources == ["/static/web/vendor/redoc/redoc.standalone.js"]
    policy = csp(page)
    assert policy["script-src"] == "'self'"  # still no inline or foreign script
    assert policy["style-src"] == "'self' 'unsafe-inline'"  # ReDoc injects its styles
    assert policy["worker-src"] == "'self' blob:"  # ReDoc's search worker
    assert policy["img-src"] == "'self' data:"  # its icons; nothing from another site
    assert policy["frame-ancestors"] == "'none'"
    script = client.get(sources[0])
    assert script.status_code == 200 and b'ReDoc Version: ","2.5.4"' in script.data
    script.close()
    licence = PACKAGE / "web" / "static" / "vendor" / "redoc" / "LICENSE"
    assert "MIT License" in licence.read_text() or "Permission is hereby granted" in licence.read_text()


def _templates():
    return sorted(PACKAGE.glob("*/templates/**/*.html"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>\s*\S", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript:", re.IGNORECASE)


def test_no_template_has_inline_script_handlers_or_styles():
    templates = _templates()
    assert len(templates) > 40
    found = []
    for path in templates:
        text = path.read_text()
        for name, pattern in (("inline <script>", INLINE_SCRIPT), ("on*= handler", HANDLER),
                              ("inline style", INLINE_STYLE), ("javascript: URL", JS_URL)):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {name}")
    assert found == []


@pytest.mark.parametrize("text, pattern", [
    ('<script>alert(1)</script>', INLINE_SCRIPT),
    ('<script type="module">\n  go()</script>', INLINE_SCRIPT),
    ('<button type="button" onclick="go()">', HANDLER),
    ('<form\n  onsubmit="return x()">', HANDLER),
    ('<span class="x" style="color: red">', INLINE_STYLE),
    ('<style>p {}</style>', INLINE_STYLE),
])
def test_the_template_check_catches_what_it_is_for(text, pattern):
    assert pattern.search(text)


@pytest.mark.parametrize("text", ['<script src="/static/web/x.js"></script>',
                                  '<form action="/x" method="post">', '<p class="onion">'])
def test_the_template_check_leaves_the_allowed_alone(text):
    assert not any(p.search(text) for p in (INLINE_SCRIPT, HANDLER, INLINE_STYLE, JS_URL))


def test_nothing_is_loaded_from_another_site(app, client):
    """No template, stylesheet or setting points a browser at a CDN (air-gapped ministries)."""
    foreign = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import\s+url\(\s*["']?(?:https?:)?//|url\(\s*["']?https?://""",
                         re.IGNORECASE)
    files = _templates() + sorted(PACKAGE.glob("*/static/*.css"))
    offenders = [str(p.relative_to(PACKAGE)) for p in files if foreign.search(p.read_text())]
    assert offenders == []
    assert app.config["OPENAPI_REDOC_URL"].startswith("/static/")


#: A resource the browser would fetch from another host as it runs a page: an element's or a
#: script's ``src``, a stylesheet ``url(…)`` or ``@import``, a ``fetch``/``import()`` of a URL.
#: (Links a person may click are not loads.)
REMOTE_LOAD = re.compile(r"""(?:\bsrc\s*[:=]\s*|url\(\s*|@import\s+|\bfetch\(\s*|\bimport\(\s*)"""
                         r"""['"]?(?:https?:)?//""")


def test_nothing_served_loads_from_another_host():
    """Ministries run air-gapped: no template or static file (the bundled ReDoc included) makes
    the browser fetch anything from a CDN or any other host."""
    offenders = []
    for path in PACKAGE.rglob("*"):
        # every file a browser could be given: templates, and whatever sits in static folders
        # (notes and licences beside vendored code too, not only .html/.js/.css)
        served = path.suffix in {".html", ".js", ".css"} or "static" in path.parts
        if not path.is_file() or not served or "__pycache__" in path.parts \
                or path.suffix in {".png", ".jpg", ".ico", ".woff2", ".ttf", ".otf", ".gz"}:
            continue
        for match in REMOTE_LOAD.finditer(path.read_text("utf-8", errors="replace")):
            offenders.append(f"{path.relative_to(PACKAGE)}: {match.string[match.start():match.end() + 60]}")
    assert offenders == []
