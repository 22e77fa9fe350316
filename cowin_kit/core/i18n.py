"""Locale selection and locale-aware helpers shared by pages, SMS texts and certificates."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context, request, session

LANG_COOKIE = "lang"


def _profile():
    from cowin_kit.profiles import get_profile  # core must not import domains at import time

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
