"""Wire reporting into the app: counter hook, dashboard and report pages, FHIR API, nav."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from cowin_kit.reporting import counters

    counters.install()
