"""The native API's OpenAPI document is valid and browsable (fuzzed in test_fuzz.py)."""

from __future__ import annotations

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


# Fuzzing with every schemathesis check, on this document and /api/v2's: tests/api/test_fuzz.py.
