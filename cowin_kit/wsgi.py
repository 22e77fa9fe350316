"""WSGI entry point for gunicorn: ``gunicorn cowin_kit.wsgi:app``."""

from cowin_kit.app import create_app

app = create_app()
