"""Schemathesis fuzzes both OpenAPI documents with every check: no 5xx, and every answer
(status, content type, headers, body) is what the document says.

Bounded for CI (a few examples per operation, derandomised); the databases are the suite's.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

#: Examples per operation and phase: the whole module stays well under a minute per database.
EXAMPLES = 8

#: Schema-valid data the domain still refuses (an unknown session id, an ineligible person,
#: a mobile number of another country) is a 400/422, which positive_data_acceptance allows.
CONFIG = {"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]}}}


def _fuzz(app, path: str, headers: dict | None = None) -> list[str]:
    # The WSGI transport does not decompress: ask for plain bodies (gzip is tested elsewhere).
    headers = {"Accept-Encoding": "identity", **(headers or {})}
    schema = schemathesis.openapi.from_wsgi(path, app, config=SchemathesisConfig.from_dict(CONFIG))
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            try:
                case.call_and_validate(headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # collect every failing operation
                failures.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

        run()
    assert operations >= 10
    return failures


@pytest.fixture
def app(make_app):
    """No public rate limit here (429s would hide the endpoints), no OTP cool-down."""
    app = make_app(RATE_LIMIT_PUBLIC="1000000 per minute", OTP_RESEND_SECONDS=0)
    with app.app_context():
        yield app


@pytest.fixture
def bearer(app, db, seeded):
    """A signed-in citizen with a registered beneficiary, so protected operations run their
    handlers with the fuzzed data (schemathesis also replays them without the token)."""
    from cowin_kit.accounts.models import CitizenAccount
    from cowin_kit.accounts.tokens import issue_token
    from tests.factories import make_person

    account = CitizenAccount(mobile="+919876543210")
    db.session.add(account)
    db.session.flush()
    make_person(db, account=account)
    db.session.commit()
    return {"Authorization": f"Bearer {issue_token(account)}"}


def test_native_api_conforms_to_its_openapi_document(app, bearer):
    failures = _fuzz(app, "/api/kit/v1/openapi.json", bearer)
    assert failures == [], "\n\n".join(failures[:5])


def test_cowin_v2_document_is_valid_and_covers_every_route(app, client):
    from openapi_spec_validator import validate

    document = client.get("/api/v2/openapi.json").get_json()
    validate(document)
    documented = {(method.upper(), "/api/v2" + path) for path, item in document["paths"].items()
                  for method in item}
    served = {(method, rule.rule.replace("<int:state_id>", "{state_id}"))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v2/")
              for method in rule.methods - {"HEAD", "OPTIONS"}
              if rule.endpoint != "cowin_v2.openapi_json"}
    assert documented == served


def test_cowin_v2_api_conforms_to_its_openapi_document(app, bearer):
    failures = _fuzz(app, "/api/v2/openapi.json", bearer)
    assert failures == [], "\n\n".join(failures[:5])
