"""The offline verifier: an installable web app that checks certificates with no network.

``/verifier/`` is the page (standalone: nothing it needs comes from elsewhere), its manifest
and its service worker (``/verifier/sw.js``, so its scope is ``/verifier/``). The page keeps
this instance's published keys, the other issuers it trusts (``trusted`` in the same answer,
:func:`trusted_issuers`) and its signed revocation list (the existing ``/api/kit/v1/
certificates/keys`` and ``/revocations`` endpoints) and verifies in the browser:
static/offline-verifier.js and its parts (offline-verifier-*.js: lists, one per format, the page).
The names of codes (products, manufacturers, vaccine types, diseases) are written into the
page in its language, so they are there offline too. So are the JSON-LD context documents the kit ships
(formats/contexts.py): the page canonicalises W3C credentials with them and never fetches one.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from cowin_kit.profiles import get_profile, who_valuesets
from cowin_kit.profiles.branding import branding

from . import valuesets
from .formats import contexts as ld_contexts
from .formats import jose
from .verify import Verifier, _own_issuer_name

bp = Blueprint("offline_verifier", __name__, template_folder="templates")
STATIC = Path(__file__).resolve().parent / "static"


def _names() -> dict:
    """Code -> name tables for the page (this profile, the shipped profiles, value sets)."""
    products, makers = valuesets._tables()
    return {"products": {**valuesets.CVX, **products},
            "manufacturers": makers,
            # WHO's ICD-11 names (routine DDCC:VS), the translated COVID-19 ones over them
            "types": {**who_valuesets.VACCINES,
                      **{code: str(name) for code, name in valuesets.VACCINE_TYPES.items()}},
            "diseases": {**who_valuesets.DISEASES,
                         **{code: str(name) for code, name in valuesets.DISEASES.items()}}}


def trusted_issuers(store) -> dict:
    """The other issuers this instance's verifier trusts (``KEYS_DIR/trust``), public parts
    only, named as the verify page names them: ``hcert``, their document-signer certificates
    (``certificate``: DER in base64, ``jwk``, ``name``) for EU DCC and DDCC:VS; ``jwks``, their
    key sets (``iss``, ``name``, ``keys``) for SMART Health Cards and W3C credentials. A key
    that cannot be read is left out, as the server's verifier ignores it."""
    namer = Verifier(store)
    hcert = []
    for cert in store.trusted_certificates():
        try:
            jwk = jose.public_jwk(cert.public_key())
        except (TypeError, ValueError):
            continue
        hcert.append({"certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii"),
                      "jwk": jwk, "name": namer._hcert_issuer(cert)})
    keysets = []
    for keyset in store.trusted_jwks():
        keys = []
        for jwk in keyset.get("keys", ()):
            try:  # re-made from the public numbers: a private member ("d"…) never passes
                public = jose.public_jwk(jose.jwk_to_public(jwk))
            except (TypeError, ValueError, KeyError, AttributeError):
                continue
            keys.append({**public, **{k: str(jwk[k]) for k in ("kid", "alg", "use") if jwk.get(k)}})
        iss = str(keyset.get("iss") or "")
        keysets.append({"iss": iss, "name": str(keyset.get("name") or iss), "keys": keys})
    return {"hcert": hcert, "jwks": keysets}


@bp.route("/verifier/")
def app_page():
    """The verifier app (works offline once opened)."""
    names = json.dumps(_names(), ensure_ascii=False)  # an attribute value: Jinja escapes it
    documents = json.dumps({url: ld_contexts.context_document(url) for url in ld_contexts.FILES},
                           ensure_ascii=False)
    language = str(get_locale() or "en")
    return render_template("certificates/offline.html", names=names, contexts=documents,
                           issuer_name=_own_issuer_name(),
                           portal=branding(get_profile()).portal(language) or _("Certificate verifier"),
                           language=language)


@bp.route("/verifier/manifest.webmanifest")
def manifest():
    """The web app manifest (install on the home screen)."""
    brand = branding(get_profile())
    body = {"name": _("Certificate verifier"), "short_name": _("Verifier"),
            "start_url": url_for(".app_page"), "scope": url_for(".app_page"),
            "display": "standalone", "background_color": "#ffffff",
            "theme_color": brand.colours["primary"], "lang": str(get_locale() or "en")}
    if brand.emblem and brand.emblem.is_file():
        body["icons"] = [{"src": url_for("web.emblem"), "sizes": "any", "type": "image/png"}]
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.route("/verifier/sw.js")
def service_worker():
    """The service worker, served under /verifier/ so that it controls the app's pages."""
    # no-store (the kit's default): a new worker is fetched whenever the browser checks
    return current_app.response_class((STATIC / "offline-sw.js").read_bytes(), mimetype="text/javascript")
