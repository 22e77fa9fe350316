"""Template globals: profile, locale, direction, language switcher, navigation; home blocks."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, has_request_context, request, url_for
from flask_babel import get_locale

from cowin_kit.core.i18n import locale_display_name, text_direction
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.branding import branding

#: Navigation entries other domains add with ``add_nav(endpoint, label, section)``.
NAV_KEY = "cowin_nav"


def add_nav(app: Flask, endpoint: str, label, section: str = "public", order: int = 50,
            roles: tuple[str, ...] | None = None) -> None:
    """Add a link to the top navigation. Section ``public`` is for everyone, ``citizen`` for
    visitors who are not signed in as staff, ``staff`` only for signed-in staff (of ``roles``,
    when given: a link a role cannot open is not shown to it)."""
    app.extensions.setdefault(NAV_KEY, []).append((order, section, endpoint, label, roles))


#: Who is looking: a function returning ("staff", role), ("citizen", None) or (None, None).
VIEWER_KEY = "cowin_viewer"


def set_viewer(app: Flask, viewer: Callable[[], tuple[str | None, str | None]]) -> None:
    """Tell the layout who is signed in (the accounts domain does), to pick the menu."""
    app.extensions[VIEWER_KEY] = viewer


def current_viewer(app: Flask) -> tuple[str | None, str | None]:
    """Who is signed in on this request, as ``set_viewer``'s function says; nobody when none
    was set or the database cannot say (an error page must still render)."""
    from sqlalchemy.exc import SQLAlchemyError

    viewer = app.extensions.get(VIEWER_KEY)
    if viewer is None or not has_request_context():
        return None, None
    try:
        return viewer()
    except SQLAlchemyError:
        return None, None


def visible_nav(app: Flask) -> list[tuple[str, str, object]]:
    """The navigation links this visitor may follow: (section, endpoint, label) in order."""
    kind, role = current_viewer(app)
    shown = []
    for _order, section, endpoint, label, roles in sorted(app.extensions.get(NAV_KEY, []),
                                                          key=lambda item: item[0]):
        if section == "staff" and (kind != "staff" or (roles and role not in roles)):
            continue
        if section == "citizen" and kind == "staff":
            continue
        shown.append((section, endpoint, label))
    return shown


#: Home page blocks other domains add with ``add_home_block(template, context, order)``.
HOME_KEY = "cowin_home_blocks"


def add_home_block(app: Flask, template: str, context: Callable[[], dict] | None = None,
                   order: int = 50) -> None:
    """Show ``template`` on the home page (included with ``block`` = ``context()``), so a domain
    can put what it owns there (live figures, a quick search) without the web shell knowing it."""
    app.extensions.setdefault(HOME_KEY, []).append((order, template, context))


def home_blocks(app: Flask) -> list[tuple[str, dict]]:
    """The home page's blocks in order, each with its freshly computed context."""
    return [(template, context() if context else {})
            for _order, template, context in sorted(app.extensions.get(HOME_KEY, []),
                                                    key=lambda item: item[0])]


def init_app(app: Flask) -> None:
    @app.context_processor
    def _globals():
        profile = get_profile()
        locale = str(get_locale())
        nav = visible_nav(app)

        return {
            "profile": profile,
            "branding": branding(profile),
            "current_locale": locale,
            "html_lang": locale.replace("_", "-"),
            "text_dir": text_direction(locale),
            "languages": [(loc, locale_display_name(loc)) for loc in profile.locale_ids],
            "nav_items": nav,
            "lang_url": lambda loc: url_for("web.set_language", lang=loc,
                                            next=request.full_path.rstrip("?")),
        }
