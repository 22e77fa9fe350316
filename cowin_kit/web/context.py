"""Template globals: profile, locale, direction, language switcher, navigation; home blocks."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request, url_for
from flask_babel import get_locale

from cowin_kit.core.i18n import locale_display_name, text_direction

#: Navigation entries other domains add with ``add_nav(endpoint, label, section)``.
NAV_KEY = "cowin_nav"


def add_nav(app: Flask, endpoint: str, label, section: str = "public", order: int = 50) -> None:
    """Add a link to the top navigation (section: public, citizen or staff)."""
    app.extensions.setdefault(NAV_KEY, []).append((order, section, endpoint, label))


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
        from cowin_kit.profiles import get_profile

        profile = get_profile()
        locale = str(get_locale())
        nav = sorted(app.extensions.get(NAV_KEY, []), key=lambda item: item[0])
        from cowin_kit.profiles.branding import branding

        return {
            "profile": profile,
            "branding": branding(profile),
            "current_locale": locale,
            "html_lang": locale.replace("_", "-"),
            "text_dir": text_direction(locale),
            "languages": [(loc, locale_display_name(loc)) for loc in profile.locale_ids],
            "nav_items": [(section, endpoint, label) for _o, section, endpoint, label in nav],
            "lang_url": lambda loc: url_for("web.set_language", lang=loc,
                                            next=request.full_path.rstrip("?")),
        }
