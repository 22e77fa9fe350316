"""Locale selection and locale-aware helpers shared by pages, SMS texts and certificates."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context, request, session

from cowin_kit.core.i18n_tools import compile_catalogs
from cowin_kit.profiles import get_profile  # core must not import domains at import time
from cowin_kit.profiles.loader import resolve_profile_dir

LANG_COOKIE = "lang"


def _profile():
    return get_profile()


def supported_locales() -> list[str]:
    return _profile().locale_ids


def select_locale() -> str:
    """Pick the UI locale: the user's choice, then the browser's (Accept-Language) among the
    profile's languages, then the profile's default."""
    try:
        profile = _profile()
    except Exception:  # a broken profile must not break error pages; readyz/CLI report it
        return "en"
    supported = profile.locale_ids
    if has_request_context():
        chosen = request.args.get("lang") or session.get(LANG_COOKIE)
        if chosen:
            match = match_locale(chosen, supported)
            if match:
                return match
        header = request.accept_languages
        if header:
            for value, _quality in header:
                match = match_locale(value.replace("-", "_"), supported)
                if match:
                    return match
    return profile.default_locale


def match_locale(value: str, supported: list[str]) -> str | None:
    """Match 'hi', 'hi_IN' or 'hi-IN' against the supported CLDR ids, exact first."""
    value = value.replace("-", "_")
    lowered = {s.lower(): s for s in supported}
    if value.lower() in lowered:
        return lowered[value.lower()]
    language = value.split("_")[0].lower()
    for s in supported:
        if s.split("_")[0].lower() == language:
            return s
    return None


def select_timezone() -> str:
    try:
        return _profile().timezone or "UTC"
    except Exception:
        return "UTC"


def text_direction(locale_id: str | None = None) -> str:
    """Return 'rtl' or 'ltr' for a locale, from the profile, falling back to CLDR."""
    from flask_babel import get_locale

    locale_id = locale_id or str(get_locale())
    language = locale_id.split("_")[0]
    for info in _profile().locales:
        if info.language == language:
            return info.direction
    try:
        return Locale.parse(locale_id).text_direction
    except (ValueError, UnknownLocaleError):
        return "ltr"


def locale_display_name(locale_id: str) -> str:
    """The language's own name for itself (e.g. 'हिन्दी'), for the language switcher."""
    try:
        loc = Locale.parse(locale_id)
        name = loc.get_display_name(loc) or locale_id
        return name[:1].upper() + name[1:]
    except (ValueError, UnknownLocaleError):
        return locale_id


def current_locale_id() -> str:
    from flask_babel import get_locale

    return str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def remember_locale(locale_id: str) -> None:
    session[LANG_COOKIE] = locale_id
    g.pop("_flask_babel", None)


def clear_session_keeping_locale() -> None:
    """Empty the session (at sign-in and sign-out) but keep the language the person chose."""
    lang = session.get(LANG_COOKIE)
    session.clear()
    if lang:
        session[LANG_COOKIE] = lang


# -- digits ------------------------------------------------------------------------------------
#: The zero of each decimal numbering system a profile may ask for (CLDR ids); the other nine
#: digits follow it in Unicode. Babel formats separators per numbering system but always writes
#: Latin digits, so the digits are converted afterwards.
DIGIT_ZEROS = {
    "latn": "0", "arab": "\u0660", "arabext": "\u06f0", "deva": "\u0966", "beng": "\u09e6",
    "guru": "\u0a66", "gujr": "\u0ae6", "orya": "\u0b66", "taml": "\u0be6", "telu": "\u0c66",
    "knda": "\u0ce6", "mlym": "\u0d66", "thai": "\u0e50", "laoo": "\u0ed0", "tibt": "\u0f20",
    "mymr": "\u1040", "khmr": "\u17e0", "mong": "\u1810",
}


def digit_system(locale_id: str | None = None) -> str:
    """The numbering system the profile sets for a locale ('latn' when none or unknown)."""
    try:
        locale_id = locale_id or current_locale_id()
        system = _profile().locale_info(locale_id).digits or "latn"
    except Exception:  # outside an app, or a broken profile: Latin digits are always readable
        return "latn"
    return system if DIGIT_ZEROS.get(system) else "latn"


def localize_digits(text: str, system: str | None = None) -> str:
    """Write the Latin digits of a formatted text in the locale's digits (e.g. Arabic-Indic)."""
    system = system or digit_system()
    zero = DIGIT_ZEROS.get(system)
    if not text or not zero or system == "latn":
        return text
    return str(text).translate(str.maketrans("0123456789", "".join(
        chr(ord(zero) + i) for i in range(10))))


# -- per-country catalogs ----------------------------------------------------------------------
#: A profile may carry its own catalogs: ``country_profiles/<cc>/locales/<lang>/LC_MESSAGES/``.
#: They are merged over the shared ``locales/`` catalogs, so one country can change a wording.
PROFILE_LOCALES = "locales"


def profile_locales_dir(app) -> "Path | None":
    """The current profile's own catalog folder, when it has one."""
    from pathlib import Path

    try:
        folder = resolve_profile_dir(str(app.config["PROFILE"]), app.config["PROFILES_DIR"])
    except Exception:  # the profile loader reports a missing profile with a better message
        return None
    path = Path(folder) / PROFILE_LOCALES
    return path if path.is_dir() else None


def init_catalog_overrides(app) -> None:
    """Merge the profile's own catalogs over the shared ones (Flask-Babel: later dirs win)."""
    import logging

    folder = profile_locales_dir(app)
    if folder is None:
        return
    try:
        compile_catalogs(folder, echo=lambda _line: None)
    except OSError as exc:  # read-only image: the .mo files must have been built with it
        logging.getLogger(__name__).warning("cannot compile %s: %s", folder, exc)
    directories = app.extensions["babel"].translation_directories
    if str(folder) not in directories:
        directories.append(str(folder))


# -- numbers inside messages -------------------------------------------------------------------
def localize_variables(variables: dict) -> dict:
    """Numbers given to a message (``_("Age %(min)s+", min=18)``) in the locale's digits."""
    if not variables:
        return variables
    system = digit_system()
    if system == "latn":
        return variables
    from decimal import Decimal

    return {key: localize_digits(str(value), system)
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else value
            for key, value in variables.items()}


def _one_full_stop(text, variables: dict):
    """A value that ends with a full stop (a Ukrainian date: "5 грудня 2026 р.") put before
    the message's own full stop ("… станом на %(date)s.") ends the sentence once, not twice."""
    for key, value in variables.items():
        if isinstance(value, str) and value.endswith(".") and f"%({key})s." in text:
            text = text.replace(f"%({key})s.", f"%({key})s")
    return text


def _format(text, variables: dict, fallback: dict):
    text = _one_full_stop(text, variables)
    try:
        return text % localize_variables(variables)
    except TypeError:  # a %(n)d placeholder needs the number itself
        return text % fallback


def _digits_domain(domain_name: str):
    """A Flask-Babel Domain whose messages write numbers in the profile's digits."""
    from flask_babel import Domain

    class DigitsDomain(Domain):
        def gettext(self, string, **variables):
            text = self.get_translations().ugettext(string)
            return _format(text, variables, variables) if variables else text

        def ngettext(self, singular, plural, num, **variables):
            variables.setdefault("num", num)
            return _format(self.get_translations().ungettext(singular, plural, num),
                           variables, variables)

        def pgettext(self, context, string, **variables):
            text = self.get_translations().upgettext(context, string)
            return _format(text, variables, variables) if variables else text

        def npgettext(self, context, singular, plural, num, **variables):
            variables.setdefault("num", num)
            return _format(self.get_translations().unpgettext(context, singular, plural, num),
                           variables, variables)

    return DigitsDomain(domain=domain_name)


def init_digits(app) -> None:
    """Make gettext & co. (Python and templates) write numbers in the profile's digits."""
    from jinja2 import pass_context
    from markupsafe import Markup

    config = app.extensions["babel"]
    domain = _digits_domain(config.default_domain)
    # Flask-Babel's module functions (gettext, lazy_gettext, ngettext…) use this domain.
    config.instance.__dict__["domain_instance"] = domain

    def _template_format(context, text, variables):
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return _format(text, variables, variables)

    @pass_context
    def gettext(__context, __string, **variables):
        return _template_format(__context, domain.get_translations().ugettext(__string),
                                variables)

    @pass_context
    def ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        text = domain.get_translations().ungettext(__singular, __plural, __num)
        return _template_format(__context, text, variables)

    app.jinja_env.globals.update(gettext=gettext, ngettext=ngettext)
