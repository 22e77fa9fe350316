"""Certificate PDF in the person's language plus the profile's certificate languages.

Devanagari conjuncts, joined right-to-left Arabic and stacked Vietnamese diacritics come from
HarfBuzz shaping (uharfbuzz) with the bundled Noto fonts. Labels come from the Babel catalogs
(``force_locale`` per language).

Two renderers lay out the same page. The straightforward one (``fast=False``) is fpdf2 with
text shaping: it re-reads the three fonts and subsets them with fontTools for every document
(tens of milliseconds per font). The fast one (``fastpdf``) reads and cuts up the fonts once
per process, then per document shapes and places glyphs and embeds a subset of each font used
that keeps glyph ids (the glyphs shown, byte for byte): about 15–22 kB per PDF, for well under
a millisecond more than embedding whole fonts. See docs/performance.md.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from fpdf import FPDF
from flask_babel import force_locale, gettext as _

from . import fastpdf
from .formats import CertificateData
from .formats.data import from_json

from .fontset import FONT_PATHS, families_for

LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH")
RTL_LANGUAGES = {"ar", "fa", "ur", "he", "ps", "ckb", "sd", "ug", "yi", "dv"}


def _new_document(text: str, strip_layout: bool = True) -> FPDF:
    """A document with the Noto families ``text`` needs (the first one as the main font)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creator("cowin-kit")
    pdf.set_auto_page_break(True, margin=15)
    names = []
    for path in families_for(text):
        names.append(f"F{FONT_PATHS.index(path)}")
        pdf.add_font(names[-1], "", str(path))
    pdf.set_fallback_fonts(names[1:], exact_match=False)
    pdf.set_text_shaping(True)
    for font in pdf.fonts.values() if strip_layout else ():
        # HarfBuzz shapes from the font file itself; the embedded subset needs no layout tables,
        # and subsetting them is most of fontTools' work at output time.
        for tag in LAYOUT_TABLES:
            if tag in font.ttfont:
                del font.ttfont[tag]
    return pdf




def _labels(language: str, data: CertificateData, kind: str) -> list[tuple[str, str]]:
    """The certificate's lines as (label, value) in one language."""
    dose = data.dose
    with force_locale(language):
        title = {"provisional": _("Provisional Certificate for COVID-19 Vaccination"),
                 "booster": _("Certificate for COVID-19 Vaccination (booster dose)")}.get(
            kind, _("Final Certificate for COVID-19 Vaccination"))
        rows = [
            ("", title),
            (_("Beneficiary name"), data.name),
            (_("Age"), str(data.age_on(dose.date))),
            (_("Gender"), data.gender_label),
            (_("ID"), data.id_masked),
            *([(_("Passport number"), data.passport_number)] if data.passport_number else []),
            *([(_("Name as in the passport"), f"{data.family_name}, {data.given_names}".strip(", "))]
              if data.passport_number else []),
            (_("Reference ID"), data.reference_id),
            (_("Vaccine name"), dose.vaccine_name),
            (_("Dose"), _("%(n)s of %(total)s", n=dose.dose_number, total=max(dose.series_total, dose.dose_number))),
            (_("Date of dose"), dose.date.isoformat()),
            (_("Vaccinated at"), dose.facility_name),
            (_("Vaccinated by"), dose.vaccinator_name),
            (_("Certificate ID"), data.certificate_id),
            (_("Issued by"), data.issuer.name),
        ]
        if data.valid_until:
            rows.append((_("Valid until"), data.valid_until.isoformat()))
    return rows


def build_pdf(data: CertificateData, kind: str, languages: list[str], qr_payload: str | bytes | None,
              fast: bool = True) -> bytes:
    """Lay out the certificate: one block per language, the QR code at the top of the page.

    ``fast`` uses the certificate writer in ``fastpdf`` (fonts read once per process);
    otherwise fpdf2 builds the same page the straightforward way."""
    blocks = [(language, language.split("_")[0] in RTL_LANGUAGES, _labels(language, data, kind))
              for language in languages]
    header = _header(languages[0] if languages else None)
    return (_build_fast(blocks, qr_payload, header) if fast
            else _build_fpdf(blocks, qr_payload, header))


def _header(language: str | None):
    """(ministry name, emblem path or None, primary colour) from the profile's branding."""
    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.branding import branding

    brand = branding(get_profile())
    emblem = brand.emblem if brand.emblem and brand.emblem.is_file() else None
    return brand.ministry_name(language), emblem, brand.rgb("primary")


#: Emblem size in the PDF's pixels (drawn 44 pt wide: about 150 dpi).
EMBLEM_PIXELS = 96


@functools.lru_cache(maxsize=16)
def _emblem_pixels(path: Path, _stamp: int) -> tuple[int, int, bytes, bytes]:
    """The emblem PNG as RGB and alpha bytes, scaled for the page (cached per file version)."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGBA")
        image.thumbnail((EMBLEM_PIXELS, EMBLEM_PIXELS), Image.LANCZOS)
        return (image.width, image.height, image.convert("RGB").tobytes(),
                image.getchannel("A").tobytes())


def _qr_gray(qr_payload) -> tuple[int, int, bytes]:
    import numpy as np

    from .formats import qr

    dark, _mask = qr.modules(qr_payload)  # the best mask, chosen without zxing's slow scoring
    gray = np.where(qr.with_quiet_zone(dark), 0, 255).astype(np.uint8)
    return gray.shape[1], gray.shape[0], gray.tobytes()


def _build_fast(blocks, qr_payload, header) -> bytes:
    from . import fastpdf

    page = fastpdf.Page()
    margin = fastpdf.MARGIN
    qr_size = 156.0
    if qr_payload is not None:
        width, height, gray = _qr_gray(qr_payload)
        page.place_image(width, height, gray, (fastpdf.PAGE_W - margin - qr_size, margin, qr_size, qr_size))
    ministry, emblem, colour = header
    right = fastpdf.PAGE_W - margin - (qr_size + 12 if qr_payload is not None else 0)
    if emblem is not None:
        page.place_picture(*_emblem_pixels(emblem, emblem.stat().st_mtime_ns),
                           (margin, margin, 44, 44))
    rtl = bool(blocks) and blocks[0][1]
    left = margin + (52 if emblem is not None else 0)
    lines = _wrap(ministry, 12, right - left, rtl)
    for index, line in enumerate(lines[:2]):
        page.text(line, left, margin + (27 if len(lines) == 1 else 20 + 15 * index), 12, rtl=rtl,
                  right=right)
    page.rect((margin, margin + 52, right - margin, 3), colour)
    y = margin + 80
    for index, (_language, rtl, rows) in enumerate(blocks):
        right = fastpdf.PAGE_W - margin - (qr_size + 12 if index == 0 and qr_payload is not None else 0)
        page.text(rows[0][1], margin, y, 14, rtl=rtl, right=right)
        y += 22
        for label, value in rows[1:]:
            text = f"{label}: {fastpdf.isolate(value)}"  # logical order; bidi lays it out
            page.text(text, margin, y, 10, rtl=rtl, right=right)
            y += 15
        y += 12
        if y > fastpdf.PAGE_H - margin:
            break
    return fastpdf.render(page)


def _wrap(text: str, size: float, width: float, rtl: bool) -> list[str]:
    """Split ``text`` at spaces into lines no wider than ``width`` (a long word stays whole)."""
    from .fastpdf import shape_line

    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and shape_line(joined, size, rtl)[1] <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines or [""]


def _build_fpdf(blocks, qr_payload, header) -> bytes:
    pdf = _new_document(" ".join([header[0], *(f"{l} {v}" for _b, _r, rows in blocks for l, v in rows)]),
                        strip_layout=False)
    pdf.add_page()
    if qr_payload is not None:
        from .formats import qr

        pdf.image(io.BytesIO(qr.png(qr_payload, scale=3)), x=pdf.w - 15 - 55, y=15, w=55, h=55)
    width = pdf.w - 30 - 60
    ministry, emblem, colour = header
    left = 15 + (18 if emblem is not None else 0)
    if emblem is not None:
        pdf.image(str(emblem), x=15, y=15, w=15.5, h=15.5)
    pdf.set_font("F0", size=12)
    pdf.set_xy(left, 18)
    pdf.multi_cell(width - (left - 15), 6, ministry, align="R" if blocks and blocks[0][1] else "L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_fill_color(*colour)
    pdf.rect(15, 33.5, width, 1, style="F")
    pdf.set_y(40)
    for index, (_language, rtl, rows) in enumerate(blocks):
        align = "R" if rtl else "L"
        line_width = width if index == 0 else pdf.epw
        pdf.set_font("F0", size=14)
        pdf.multi_cell(line_width, 8, rows[0][1], align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("F0", size=10)
        for label, value in rows[1:]:
            text = f"{label}: {value}"  # logical order: fpdf2 runs the bidi algorithm
            pdf.multi_cell(line_width, 6, text, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    return bytes(pdf.output())


def certificate_languages(beneficiary_locale: str | None) -> list[str]:
    """The person's chosen language first, then the profile's certificate languages."""
    from cowin_kit.profiles import get_profile

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


def render_pdf(cert, language: str | None = None, fast: bool = True) -> bytes:
    """The PDF of a stored certificate (QR: the first enabled format)."""
    from cowin_kit.core.db import db
    from cowin_kit.registration.models import Beneficiary

    from .issuance import enabled_formats, qr_payload

    person = db.session.get(Beneficiary, cert.beneficiary_id)
    languages = certificate_languages(language or (person.locale if person else None))
    formats = enabled_formats()
    payload = qr_payload(cert, formats[0]) if formats else None
    return build_pdf(from_json(cert.data), cert.kind, languages, payload, fast=fast)
