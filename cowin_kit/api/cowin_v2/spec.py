"""The OpenAPI document of the CoWIN-compatible surface, served at /api/v2/openapi.json."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import jsonify

from cowin_kit import __version__
from cowin_kit.api.cowin_v2.blueprint import bp

SOURCE = Path(__file__).with_name("openapi.yaml")


@functools.cache
def openapi_document() -> dict:
    """The document, with the YAML's shared response templates (``x-templates``) dropped."""
    import yaml

    document = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    document.pop("x-templates", None)
    return document


@bp.get("/openapi.json")
def openapi_json():
    return jsonify({**openapi_document(), "info": {**openapi_document()["info"],
                                                   "x-kit-version": __version__}})
