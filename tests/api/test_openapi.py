"""The native API's OpenAPI document is valid, and fuzzing it finds no server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate


def test_openapi_document_validates(client):
    response = client.get("/api/kit/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    paths = spec["paths"]
    assert len(paths) >= 10, sorted(paths)
    # Every operation is documented with at least one response.
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert operation.get("responses"), f"{method.upper()} {path} documents no response"


def test_browsable_docs_page(client):
    response = client.get("/api/kit/v1/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.get_data(as_text=True)


def test_fuzzing_finds_no_server_error(app):
    """Random valid and invalid inputs to every operation never produce a 5xx."""
    schema = schemathesis.openapi.from_wsgi("/api/kit/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]}")

        run()
    assert operations >= 10
    assert failures == []
