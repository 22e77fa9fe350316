"""The appointment slip as a PDF (fpdf2), in the current locale.

Fonts: the Noto fonts the certificates domain bundles when present (with fallbacks for other
scripts), else DejaVu Sans from the system; without either, the PDF core font (Latin-1 only,
other characters become "?").
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from cowin_kit.booking.labels import vaccine_name
from cowin_kit.booking.queries import appointment_view
from cowin_kit.web.formatting import format_date

_BUNDLED = Path(__file__).resolve().parent.parent / "certificates" / "fonts"
#: The certificates domain's Noto fonts (Latin, Devanagari, Arabic), used when bundled.
_NOTO = (("slip", "NotoSans-Regular.ttf"), ("slip-deva", "NotoSansDevanagari-Regular.ttf"),
         ("slip-arab", "NotoNaskhArabic-Regular.ttf"))
_SYSTEM = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
           Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"))


def _set_up_fonts(pdf) -> bool:
    """Register Unicode fonts on the document; False when only the Latin-1 core font is left."""
    if (_BUNDLED / _NOTO[0][1]).is_file():
        extra = []
        for family, filename in _NOTO:
            if (_BUNDLED / filename).is_file():
                pdf.add_font(family, "", str(_BUNDLED / filename))
                extra.append(family)
        pdf.set_fallback_fonts(extra[1:], exact_match=False)
        try:
            pdf.set_text_shaping(True)  # joins Devanagari and Arabic letters (uharfbuzz)
        except Exception:  # noqa: BLE001 - without shaping the letters still show
            pass
        return True
    for path in _SYSTEM:
        if path.is_file():
            pdf.add_font("slip", "", str(path))
            return True
    return False


def check_slip_available(appointment) -> None:
    """Refuse the slip of an appointment that is not booked (cancelled, completed, missed): a
    slip with a secret code is what the desk accepts, so only a live appointment has one."""
    from cowin_kit.booking.errors import SlipNotAvailable, SlipOfCancelled

    if appointment.status == "cancelled":
        raise SlipOfCancelled()
    if appointment.status != "booked":
        raise SlipNotAvailable()


def slip_rows(view: dict) -> list[tuple[str, str]]:
    """Label/value rows of a slip, shared by the printable page and the PDF."""
    centre = view["center"]
    return [
        (_("Name"), view["name"]),
        (_("Reference ID"), view["reference_id"]),
        (_("Dose"), str(view["dose"])),
        (_("Vaccine"), vaccine_name(view["vaccine"])),  # SPUTNIK V, never sputnik_v
        (_("Date"), format_date(view["date"], "full")),
        (_("Time slot"), view["slot"]),
        (_("Vaccination centre"), centre["name"]),
        (_("Address"), ", ".join(p for p in (centre["address"], centre["postal_code"] or "") if p)),
        (_("Appointment ID"), view["appointment_id"]),
    ]


def slip_pdf(appointment) -> bytes:
    """Render the slip of an appointment as PDF bytes."""
    from fpdf import FPDF

    check_slip_available(appointment)
    view = appointment_view(appointment)
    pdf = FPDF(format=(148, 210))  # A5, in millimetres
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    unicode = _set_up_fonts(pdf)
    family = "slip" if unicode else "Helvetica"

    def text(value: str) -> str:
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    _branded_header(pdf, family, text)
    pdf.set_font(family, size=15)
    pdf.multi_cell(0, 8, text(_("Vaccination appointment slip")), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(family, size=10)
    for label, value in slip_rows(view):
        pdf.set_text_color(90, 100, 112)
        pdf.cell(40, 7, text(label))
        pdf.set_text_color(20, 24, 30)
        pdf.multi_cell(0, 7, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, size=12)
    pdf.cell(0, 8, text(_("Secret code")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=28)
    pdf.cell(0, 14, view["secret_code"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    pdf.multi_cell(0, 5, text(_("Show this code at the vaccination desk. Bring the identity "
                                "document you registered with.")))
    return bytes(pdf.output())


def _branded_header(pdf, family: str, text) -> None:
    """The ministry's emblem and name over a rule in its colour (the profile's branding)."""
    from flask_babel import get_locale

    from cowin_kit.profiles import get_profile
    from cowin_kit.profiles.branding import branding

    brand = branding(get_profile())
    left = pdf.l_margin
    if brand.emblem and brand.emblem.is_file():
        pdf.image(str(brand.emblem), x=left, y=pdf.t_margin, w=14, h=14)
        left += 17
    pdf.set_font(family, size=11)
    pdf.set_xy(left, pdf.t_margin + 2)
    pdf.multi_cell(pdf.w - pdf.r_margin - left, 5, text(brand.ministry_name(str(get_locale()))),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_fill_color(*brand.rgb("primary"))
    pdf.rect(pdf.l_margin, pdf.t_margin + 16, pdf.epw, 0.8, style="F")
    pdf.set_y(pdf.t_margin + 21)


def slip_pdf_response(appointment):
    """A Flask response with the slip PDF, named after the appointment."""
    response = current_app.response_class(slip_pdf(appointment), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="appointment-{str(appointment.id)[:8]}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
