"""The certificate PDF: a designed page in the person's language plus the profile's
certificate languages, in every script the kit has a Noto font for.

The page (A4, or US Letter where CLDR says the country uses it): the ministry's emblem and name
(the profile's branding), the title, a table of the person, the recommended QR (the profile's
first format) large beside it with the verification address, a table of up to four doses, and
who issued the certificate and when. Labels come from the Babel catalogs (``force_locale``),
stacked one line per language; values are written for each language where they differ: dates
by Babel in the profile's digits, gender from the profile's labels, the product's name from the
profile. A right-to-left first language mirrors the page.

The page parts the appointment slip shares are in ``printing.page``. Every line goes through
``printing.fastpdf``: the Unicode Bidirectional Algorithm over the whole logical
line (label and value, the value a first-strong isolate), HarfBuzz shaping per run, a Noto
family per character (``core.fontset``), fonts read once per process and a per-document subset that
keeps glyph ids (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from cowin_kit.core.db import db
from cowin_kit.core.i18n import digit_system, localize_digits
from cowin_kit.printing import fastpdf
# the shared page parts; is_rtl, paper_for are also part of this module's interface
from cowin_kit.printing.page import (GREY, INK, RULE, Layout, draw_header, header_for,  # noqa: F401
                                     is_rtl, paper_for)
from cowin_kit.profiles import get_profile
from cowin_kit.profiles.schedule import product_name
from cowin_kit.registration.models import Beneficiary

from .formats import CertificateData, qr
from .formats.data import from_json
from .issuance import enabled_formats, qr_payload

MAX_DOSES = 4  # rows of the doses table that fit one page with three languages
FORMAT_NAMES = {"divoc_vc": "W3C Verifiable Credential", "eu_dcc": "EU Digital COVID Certificate",
                "shc": "SMART Health Card", "ddcc": "WHO DDCC:VS"}


def _digits(text: str, language: str) -> str:
    return localize_digits(text, digit_system(language))


def format_day(day: dt.date | None, language: str) -> str:
    """A date as the language writes it (Babel, medium length) in the profile's digits."""
    return _format_day(day, language, digit_system(language)) if day else ""


@functools.lru_cache(maxsize=4096)
def _format_day(day: dt.date, language: str, digits: str) -> str:
    from babel.dates import format_date

    try:
        text = format_date(day, "medium", locale=language)
    except Exception:  # noqa: BLE001 - a language Babel lacks: ISO 8601
        text = day.isoformat()
    return localize_digits(text, digits)


def _gender(data: CertificateData, language: str) -> str:
    """The profile's label for the person's gender in ``language`` (the stored English word
    when the profile no longer has the code)."""
    try:
        return get_profile().gender(data.gender).label(language) or data.gender_label
    except Exception:  # noqa: BLE001 - a gender code the profile dropped
        return data.gender_label


def _vaccine(dose) -> str:
    try:
        name = product_name(get_profile(), dose.vaccine_id)
    except Exception:  # noqa: BLE001 - outside an app
        name = dose.vaccine_name
    return name if name != dose.vaccine_id else (dose.vaccine_name or name)


@dataclass
class Texts:
    """Everything the page says in one language."""

    language: str
    rtl: bool
    title: str
    person: list[tuple[str, str]]  # (label, value)
    doses_heading: str
    dose_columns: list[str]
    doses: list[list[str]]
    scan: str
    issued: str


@functools.lru_cache(maxsize=256)
def _catalog(language: str, _profile: str) -> dict[str, str]:
    """The page's labels in one language, unformatted (read once per language and profile:
    catalogs do not change while the process runs; gettext costs most of a page otherwise)."""
    with force_locale(language):
        return {
            "provisional": _("Provisional Certificate for COVID-19 Vaccination"),
            "booster": _("Certificate for COVID-19 Vaccination (booster dose)"),
            "final": _("Final Certificate for COVID-19 Vaccination"),
            "name": _("Beneficiary name"), "age": _("Age"), "gender": _("Gender"), "id": _("ID"),
            "passport": _("Passport number"), "passport_name": _("Name as in the passport"),
            "reference": _("Reference ID"), "certificate": _("Certificate ID"),
            "dose": _("Dose"), "date": _("Date of dose"), "vaccine": _("Vaccine name"),
            "batch": _("Batch"), "place": _("Vaccinated at"),
            "n_of_total": _("%(n)s of %(total)s"),
            "issued": _("Issued by %(issuer)s on %(date)s"),
            "valid": _("Valid until %(date)s"),
            "details": _("Vaccination details"), "scan": _("Scan to verify"),
        }


def texts(language: str, data: CertificateData, kind: str) -> Texts:
    """The page's labels and values in one language."""
    t = _catalog(language, str(get_profile().path))
    person = [
        (t["name"], data.name),
        (t["age"], _digits(str(data.age_on(data.dose.date)), language)),
        (t["gender"], _gender(data, language)),
        *([(t["id"], data.id_masked)] if data.id_masked else []),
        *([(t["passport"], data.passport_number)] if data.passport_number else []),
        *([(t["passport_name"], f"{data.family_name}, {data.given_names}".strip(", "))]
          if data.passport_number else []),
        (t["reference"], data.reference_id),
        (t["certificate"], data.certificate_id),
    ]
    columns = [t["dose"], t["date"], t["vaccine"], t["batch"], t["place"]]
    doses = [[t["n_of_total"] % {"n": _digits(str(d.dose_number), language),
                                 "total": _digits(str(max(d.series_total, d.dose_number)), language)},
              format_day(d.date, language), _vaccine(d), d.batch,
              ", ".join(p for p in (d.facility_name, d.facility_address.district) if p)]
             for d in data.doses[-MAX_DOSES:]]
    iso = fastpdf.isolate  # values keep their own direction inside the sentence
    issued = t["issued"] % {"issuer": iso(data.issuer.name),
                            "date": iso(format_day(data.issued_at.date(), language))}
    if data.valid_until:
        issued += " · " + t["valid"] % {"date": iso(format_day(data.valid_until, language))}
    return Texts(language, is_rtl(language), t.get(kind, t["final"]), person, t["details"], columns,
                 doses, t["scan"], issued)


def build_pdf(data: CertificateData, kind: str, languages: list[str], qr_payload: str | bytes | None,
              *, qr_format: str | None = None, verify_url: str | None = None,
              paper: str | None = None) -> bytes:
    """Lay out the certificate on one page (A4 or Letter: ``paper``, else from the issuer's
    country). ``languages``: the person's first; the first one's direction sets the page's."""
    languages = languages or ["en"]
    blocks = [texts(language, data, kind) for language in languages]
    width, height = fastpdf.PAPER[paper or paper_for(data.issuer.country)]
    page = fastpdf.Page(width, height)
    layout = _Layout(page, blocks[0].rtl)
    header = header_for(languages)
    y = draw_header(layout, header, languages)
    y = layout.stacked([(b.title, b.rtl) for b in blocks], layout.margin, y + 26, layout.inner,
                       (18, 11), INK, header.colour)
    qr_size = 168.0 if qr_payload is not None else 0.0
    table_w = layout.inner - (qr_size + 18 if qr_size else 0)
    top = y + 10
    y_table = layout.table_rows(_merged(blocks, lambda b: b.person), layout.margin, top, table_w)
    y_qr = top
    if qr_payload is not None:
        qr_x = layout.margin + layout.inner - qr_size
        gray = _qr_gray(qr_payload)
        page.place_image(*gray, (layout.x(qr_x, qr_size), top, qr_size, qr_size))
        y_qr = top + qr_size + 4
        captions = [(blocks[0].scan, blocks[0].rtl)]
        if qr_format:
            captions.append((FORMAT_NAMES.get(qr_format, qr_format), False))
        if verify_url:
            captions.append((verify_url, False))
        y_qr = layout.stacked(captions, qr_x, y_qr + 8, qr_size, (9, 8, 8), INK, GREY, centre=True)
    y = max(y_table, y_qr) + 22
    y = layout.stacked([(" / ".join(dict.fromkeys(b.doses_heading for b in blocks)), blocks[0].rtl)],
                       layout.margin, y, layout.inner, (12,), header.colour)
    y = layout.grid(blocks, layout.margin, y + 6, layout.inner, header.colour)
    if len(data.doses) > MAX_DOSES:
        y = layout.stacked([(f"+{len(data.doses) - MAX_DOSES}", blocks[0].rtl)], layout.margin,
                           y + 12, layout.inner, (8,), GREY)
    foot = [(b.issued, b.rtl) for b in blocks]
    layout.stacked(foot, layout.margin, height - layout.margin - 12 * (len(foot) - 1), layout.inner,
                   (8,), GREY)
    page.rect((layout.margin, height - layout.margin - 12 * len(foot) - 4, layout.inner, 0.8),
              header.colour)
    return fastpdf.render(page, title=blocks[0].title)


def _merged(blocks: list[Texts], rows_of) -> list[tuple[list[tuple[str, bool]], list[tuple[str, bool]]]]:
    """Rows as (labels, values), one entry per language, a value written once when every
    language writes it the same."""
    out = []
    for index in range(len(rows_of(blocks[0]))):
        labels = list(dict.fromkeys((rows_of(b)[index][0], b.rtl) for b in blocks))
        values = list(dict.fromkeys((rows_of(b)[index][1], b.rtl) for b in blocks))
        if len({v for v, _r in values}) == 1:
            values = values[:1]
        out.append((labels, values))
    return out


class _Layout(Layout):
    """The shared page layout plus the certificate's doses table."""

    def grid(self, blocks: list[Texts], x, y, w, colour) -> float:
        """The doses table: a tinted header row of stacked labels, one row per dose."""
        shares = (0.12, 0.19, 0.2, 0.14, 0.35)
        widths = [w * share for share in shares]
        starts = [x + sum(widths[:i]) for i in range(len(widths))]
        tint = tuple(round(255 - (255 - c) * 0.12) for c in colour)
        head_lines = max(len(dict.fromkeys(b.dose_columns[i] for b in blocks)) for i in range(5))
        head_h = 8 + 10.5 * head_lines
        self.page.rect((self.x(x, w), y, w, head_h + 4), tint)
        for i in range(5):
            labels = list(dict.fromkeys((b.dose_columns[i], b.rtl) for b in blocks))
            self.stacked(labels, starts[i] + 4, y + 12, widths[i] - 8, (8,), INK, GREY)
        y += head_h + 4
        first = blocks[0]
        for row in range(len(first.doses)):
            top = y + 14
            end = top
            for i in range(5):
                values = list(dict.fromkeys((b.doses[row][i], b.rtl) for b in blocks))
                if len({v for v, _r in values}) == 1 or i in (2, 3, 4):
                    values = values[:1]
                end = max(end, self.stacked(values, starts[i] + 4, top, widths[i] - 8, (9.5, 8),
                                            INK, GREY))
            y = end - 3
            self.page.rect((self.x(x, w), y, w, 0.6), RULE)
        return y


def _qr_gray(qr_payload) -> tuple[int, int, bytes]:
    import numpy as np

    dark, _mask = qr.modules(qr_payload)  # the best mask, chosen without zxing's slow scoring
    gray = np.where(qr.with_quiet_zone(dark), 0, 255).astype(np.uint8)
    return gray.shape[1], gray.shape[0], gray.tobytes()


def certificate_languages(beneficiary_locale: str | None) -> list[str]:
    """The person's chosen language first, then the profile's certificate languages."""
    profile = get_profile()
    certs = getattr(profile, "certificates", None)
    wanted = [beneficiary_locale] if beneficiary_locale else []
    wanted += list(getattr(certs, "languages", None) or [profile.default_locale])
    seen, out = set(), []
    for lang in wanted:
        key = lang.split("_")[0]
        if key not in seen:
            seen.add(key)
            out.append(lang)
    return out


def render_pdf(cert, language: str | None = None) -> bytes:
    """The PDF of a stored certificate (QR: the first enabled format, the recommended one)."""
    person = db.session.get(Beneficiary, cert.beneficiary_id)
    languages = certificate_languages(language or (person.locale if person else None))
    formats = enabled_formats()
    payload = qr_payload(cert, formats[0]) if formats else None
    data = from_json(cert.data)
    return build_pdf(data, cert.kind, languages, payload, qr_format=formats[0] if formats else None,
                     verify_url=verify_url(data))


def verify_url(data: CertificateData) -> str:
    """Where anyone can check the certificate: the issuing instance's verify page."""
    return f"{data.issuer.url.rstrip('/')}/verify"
