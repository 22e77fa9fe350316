"""The appointment slip as a PDF, in the current locale, drawn like the certificate.

The same page parts as the certificate (``printing.page``): the ministry's emblem and name
from the profile's branding, the Unicode bidi algorithm and HarfBuzz shaping for every line,
a Noto family per character (every script a profile can name), the paper size of the country
(A4 or US Letter, from CLDR). The secret code is printed large, in a box, for the desk.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from cowin_kit.booking.errors import SlipNotAvailable, SlipOfCancelled
from cowin_kit.booking.labels import vaccine_name
from cowin_kit.booking.queries import appointment_view
from cowin_kit.printing import fastpdf
from cowin_kit.printing.page import GREY, INK, Layout, draw_header, header_for, is_rtl, paper_for
from cowin_kit.profiles import get_profile
from cowin_kit.web.formatting import format_date


def check_slip_available(appointment) -> None:
    """Refuse the slip of an appointment that is not booked (cancelled, completed, missed): a
    slip with a secret code is what the desk accepts, so only a live appointment has one."""
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
    from flask_babel import get_locale

    check_slip_available(appointment)
    view = appointment_view(appointment)
    language = str(get_locale() or "en")
    rtl = is_rtl(language)
    country = (get_profile().data.get("country") or {}).get("alpha2")
    page = fastpdf.Page(*fastpdf.PAPER[paper_for(country)])
    layout = Layout(page, rtl, margin=48.0)
    header = header_for([language])
    y = draw_header(layout, header, [language])
    y = layout.stacked([(_("Vaccination appointment slip"), rtl)], layout.margin, y + 30,
                       layout.inner, (18,), INK)
    rows = [([(label, rtl)], [(value, rtl)]) for label, value in slip_rows(view)]
    y = layout.table_rows(rows, layout.margin, y + 8, layout.inner)
    box_w, box_h = 260.0, 92.0
    top = y + 24
    page.frame((layout.x(layout.margin, box_w), top, box_w, box_h), header.colour, 1.5)
    layout.line(_("Secret code"), layout.margin, top + 24, box_w, 11, GREY, rtl, centre=True)
    layout.line(view["secret_code"], layout.margin, top + 70, box_w, 36, INK, False, centre=True)
    layout.stacked([(_("Show this code at the vaccination desk. Bring the identity "
                       "document you registered with."), rtl)],
                   layout.margin, top + box_h + 24, layout.inner, (10,), GREY)
    return fastpdf.render(page, title=_("Vaccination appointment slip"))


def slip_pdf_response(appointment):
    """A Flask response with the slip PDF, named after the appointment."""
    response = current_app.response_class(slip_pdf(appointment), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="appointment-{str(appointment.id)[:8]}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
