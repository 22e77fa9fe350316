"""The immunisation card as a PDF page: the ministry's emblem and name (the profile's
branding, as on the COVID-19 certificate), the title, the person, the next doses, and the
schedule's doses in schedule order (given: date, product, batch, place; due: the
recommended date and the overdue date; not yet), in the reader's language (dates in the
language's digits, a right-to-left language mirrors the page).

Every line goes through ``printing.fastpdf`` (bidi, HarfBuzz, a Noto family per script) and
the page parts ``printing.page`` shares with the certificate. The rows are ``routine_card``'s.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from cowin_kit.core.i18n import digit_system, localize_digits
from cowin_kit.printing import fastpdf
from cowin_kit.printing.page import GREY, INK, RULE, Layout, draw_header, header_for, is_rtl, paper_for
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.routine import (DUE, EXTRA, LIVE_TOO_SOON, NO_LONGER_DUE, OVERDUE,
                                        TOO_EARLY_AGE, TOO_SOON, UNKNOWN_PRODUCT, UPCOMING)

from .pdf import certificate_languages, format_day
from .routine_card import GIVEN, LATER, MISSED, Card, Row

#: Column shares of the doses table: dose, due date, date given (or the state), product,
#: batch, place.
SHARES = (0.19, 0.15, 0.19, 0.19, 0.11, 0.17)
WARN = (196, 84, 0)


def labels(language: str) -> dict[str, str]:
    """The card's words in ``language`` (Babel catalogs)."""
    with force_locale(language):
        return {
            "title": _("Immunisation card"), "name": _("Name"), "birth": _("Date of birth"),
            "gender": _("Gender"), "id": _("ID"), "reference": _("Reference ID"),
            "mother": _("Mother"), "guardian": _("Parent or guardian"),
            "relation": {"mother": _("Mother"), "father": _("Father"), "guardian": _("Guardian")},
            "columns": [_("Dose"), _("Due date"), _("Date of dose"), _("Vaccine name"),
                        _("Batch"), _("Vaccinated at")],
            "next": _("Routine vaccinations due"), "other": _("Other doses"),
            OVERDUE: _("overdue since %(date)s"), DUE: _("due since %(date)s"),
            UPCOMING: _("due on %(date)s"), "overdue_from": _("overdue from %(date)s"),
            LATER: _("Not yet due"), MISSED: _("Not given"), NO_LONGER_DUE: _("Not given"),
            "issued": _("Issued by %(issuer)s on %(date)s"),
            TOO_EARLY_AGE: _("Given before the minimum age: it does not count"),
            TOO_SOON: _("Given too soon after the previous dose: it does not count"),
            LIVE_TOO_SOON: _("Given too soon after another live vaccine: it does not count"),
            EXTRA: _("More doses than the schedule has"),
            UNKNOWN_PRODUCT: _("This vaccine is not in the schedule"),
        }


def _person(card: Card, t: dict, language: str) -> list[tuple[str, str]]:
    person, profile = card.person, get_profile()
    try:
        gender = profile.gender(person.gender).label(language.split("_")[0])
    except Exception:  # noqa: BLE001 - a code the profile no longer has
        gender = person.gender
    birth = (format_day(person.birth_date, language) if person.birth_date
             else localize_digits(str(person.birth_year), digit_system(language)))
    rows = [(t["name"], person.name), (t["birth"], birth), (t["gender"], gender)]
    if person.id_masked:
        rows.append((t["id"], person.id_masked))
    rows.append((t["reference"], person.reference_id))
    if person.guardian in t["relation"]:
        rows.append((t["guardian"], t["relation"][person.guardian]))
    if card.mother is not None:
        rows.append((t["mother"], f"{card.mother.name} · {card.mother.reference_id}"))
    return rows


def cells(row: Row, t: dict, language: str) -> list[tuple[str, str]]:
    """The row's six cells, each (main line, small second line)."""
    day = lambda d: fastpdf.isolate(format_day(d, language))  # noqa: E731
    due = format_day(row.due, language) if row.due else ""
    if row.state == GIVEN:
        given = row.given
        product = row.product if row.group else ""  # other doses: named by their product
        return [(row.name, ""), (due, ""), (format_day(given.given_on, language), ""),
                (product, ""), (given.lot, ""), (row.facility, "")]
    if row.state in (OVERDUE, DUE, UPCOMING):
        state = t[row.state] % {"date": day(row.overdue_from if row.state == OVERDUE else row.due)}
        later = (t["overdue_from"] % {"date": day(row.overdue_from)}
                 if row.state != OVERDUE and row.overdue_from else "")
        return [(row.name, ""), (due, ""), (state, later), ("", ""), ("", ""), ("", "")]
    return [(row.name, ""), (due, ""), (t[row.state], ""), ("", ""), ("", ""), ("", "")]


class CardLayout(Layout):
    """The shared page layout plus the card's doses table."""

    def table(self, card: Card, t: dict, language: str, y: float, colour, scale: float) -> float:
        x, w = self.margin, self.inner
        widths = [w * share for share in SHARES]
        starts = [x + sum(widths[:i]) for i in range(len(widths))]
        rtl = is_rtl(language)
        tint = tuple(round(255 - (255 - c) * 0.12) for c in colour)
        self.page.rect((self.x(x, w), y, w, 18), tint)
        for i, heading in enumerate(t["columns"]):
            self.line(heading, starts[i] + 3, y + 12, widths[i] - 6, 7.5, INK, rtl)
        y += 18
        group = None
        for row in card.rows:
            if row.group != group:
                group = row.group
                self.line(group or t["other"], x + 3, y + 12 * scale, w - 6, 8.5 * scale, colour, rtl)
                y += 15 * scale
            values = cells(row, t, language)
            height = (20 if row.note or any(sub for _main, sub in values) else 13) * scale
            if row.next:
                self.page.rect((self.x(x, w), y + 1, w, height), (255, 240, 214) if row.state == OVERDUE
                               else tint)
            ink = WARN if row.state == OVERDUE else INK if row.state in (GIVEN, DUE, UPCOMING) else GREY
            for i, (main, sub) in enumerate(values):
                if main:
                    self.line(main, starts[i] + 3, y + 10 * scale, widths[i] - 6, 8.5 * scale,
                              INK if i in (0, 3, 4, 5) and row.state == GIVEN else ink, rtl)
                if sub:
                    self.line(sub, starts[i] + 3, y + 17.5 * scale, widths[i] - 6, 7 * scale, GREY, rtl)
            if row.note in t:
                self.line(t[row.note], starts[2] + 3, y + 17.5 * scale, sum(widths[2:]) - 6,
                          7 * scale, WARN, rtl)
            y += height
            self.page.rect((self.x(x, w), y + 1, w, 0.5), RULE)
        return y


def _scale(card: Card, room: float) -> float:
    """Rows shrink (to 60 %) so that a long schedule stays on one page."""
    groups = len({row.group for row in card.rows})
    need = 18 + 15 * groups + sum(20 if row.note or row.state in (DUE, UPCOMING) and row.overdue_from
                                  else 13 for row in card.rows)
    return max(0.6, min(1.0, room / need)) if need else 1.0


def build_card_pdf(card: Card, language: str, *, paper: str | None = None) -> bytes:
    """Lay the card out on one page in ``language`` (the title also in the profile's first
    certificate language when it differs)."""
    profile = get_profile()
    languages = certificate_languages(language)[:2]
    texts = [labels(lang) for lang in languages]
    t = texts[0]
    rtl = is_rtl(language)
    certs = profile.certificates
    width, height = fastpdf.PAPER[paper or paper_for(certs.issuer_country if certs else None)]
    page = fastpdf.Page(width, height)
    layout = CardLayout(page, rtl)
    header = header_for(languages)
    y = draw_header(layout, header, languages)
    titles = list(dict.fromkeys((b["title"], is_rtl(lang)) for b, lang in zip(texts, languages)))
    y = layout.stacked(titles, layout.margin, y + 24, layout.inner, (17, 10.5), INK, header.colour)
    rows = [([(label, rtl)], [(value, rtl)]) for label, value in _person(card, t, language)]
    y = layout.table_rows(rows, layout.margin, y + 4, layout.inner)
    upcoming = card.next_rows
    if upcoming:
        first = upcoming[0]
        when = t[first.state] % {"date": fastpdf.isolate(format_day(
            first.overdue_from if first.state == OVERDUE else first.due, language))}
        names = ", ".join(dict.fromkeys(row.name for row in upcoming))
        y = layout.stacked([(t["next"], rtl), (f"{names}: {when}", rtl)], layout.margin, y + 18,
                           layout.inner, (9, 11), GREY, WARN if first.state == OVERDUE else INK)
    footer_top = height - layout.margin - 20
    scale = _scale(card, footer_top - y - 14)
    layout.table(card, t, language, y + 4, header.colour, scale)
    issuer = (certs.issuer_name if certs else "") or header.ministry.get(languages[0], "")
    issued = t["issued"] % {"issuer": fastpdf.isolate(issuer),
                            "date": fastpdf.isolate(format_day(card.today, language))}
    page.rect((layout.margin, footer_top, layout.inner, 0.8), header.colour)
    layout.stacked([(issued, rtl)], layout.margin, footer_top + 14, layout.inner, (8,), GREY)
    return fastpdf.render(page, title=t["title"])
