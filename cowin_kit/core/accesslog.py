"""Gunicorn's access log without query strings (deploy/gunicorn.conf.py and `cowin-kit demo`).

A query string may carry personal data (a mobile or ID number in an old desk bookmark, a token,
a search typed by hand), and so may the Referer of a page that had one. Whatever the format
says, :class:`PrivateAccessLogger` logs the request line, the Referer and the raw URI without
their query strings, and never logs the query string itself.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

#: Atoms that may hold a URL: logged without its query string.
URL_ATOMS = ("f", "{referer}i", "{raw_uri}e", "{request_uri}e", "{http_referer}e")
#: Atoms that are nothing but a query string.
QUERY_ATOMS = ("q", "{query_string}e")


def without_query(url: str) -> str:
    """A URL or request target without its query string and fragment."""
    return url.split("?", 1)[0].split("#", 1)[0]


class PrivateAccessLogger(Logger):
    """Gunicorn's logger with every query string kept out of the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = " ".join((environ.get("REQUEST_METHOD", "-"),
                               without_query(environ.get("RAW_URI", "-")),
                               environ.get("SERVER_PROTOCOL", "-")))
        for key in URL_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = without_query(atoms[key])
        for key in QUERY_ATOMS:
            if key in atoms:
                atoms[key] = "-"
        return atoms
