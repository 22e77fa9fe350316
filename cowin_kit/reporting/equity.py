"""Equity of allocation (issue #21): who asked for a dose, who was offered one, who booked and
who was vaccinated, by area, age band, sex and channel (web, API, walk-in, assisted), so that a
ministry sees who is being left out (people without a smartphone, older people, a district).

One row per (area one level below the scope, age band, sex, channel) with any activity in the
period (sessions' dates; walk-ins' dose dates). ``requested``: lottery requests and standby
opt-ins; ``offered``: those that got an offer; ``booked``: appointments not cancelled plus
walk-ins; ``vaccinated``: appointments completed plus walk-ins. Appointments made before
channels were recorded (migration 0010) count under "unknown".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from cowin_kit.areas.models import Area
from cowin_kit.booking.fair_models import LotteryRequest, LotteryRound, StandbyEntry
from cowin_kit.booking.models import Appointment, Facility, VaccinationSession
from cowin_kit.core.db import db
from cowin_kit.profiles import get_profile
from cowin_kit.registration.models import Beneficiary
from cowin_kit.reporting.bands import age_bands, band_of
from cowin_kit.reporting.labels import area_name, gender_label, percent
from cowin_kit.reporting.queries import child_areas
from cowin_kit.reporting.reports import Report
from cowin_kit.vaccination.models import DoseRecord

OFFERED = ("offered", "confirmed", "declined", "expired")


def channel_label(channel: str | None) -> str:
    return {"web": pgettext("channel", "Web"), "api": pgettext("channel", "API"),
            "walk_in": pgettext("channel", "Walk-in"),
            "assisted": pgettext("channel", "Assisted"),
            None: pgettext("channel", "Unknown")}.get(channel, channel or "")


def _rows(params, tick) -> Iterator[tuple]:
    areas = child_areas(params.area) or ([params.area] if params.area else [])
    prefixes = [(a.path, a) for a in areas]
    bands = age_bands(get_profile())
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(rows, column: int, second: int | None = None) -> None:
        for path, birth_year, year, gender, channel, n, more in rows:
            area = next((a for prefix, a in prefixes if path.startswith(prefix)), None)
            if area is None:
                continue
            key = (area.id, band_of(bands, int(year) - int(birth_year)), gender, channel)
            cells[key][column] += int(n)
            if second is not None:
                cells[key][second] += int(more or 0)

    S, F, B = VaccinationSession, Facility, Beneficiary
    in_period = S.date.between(params.date_from, params.date_to)
    under = [Area.path.startswith(params.area.path)] if params.area else []
    year = sa.extract("year", S.date)

    def grouped(model, channel, count, more, *where):
        return db.session.execute(
            sa.select(Area.path, B.birth_year, year, B.gender, channel, count, more)
            .select_from(model).join(B, B.id == model.beneficiary_id)
            .join(S, S.id == _session_of(model)).join(F, F.id == S.facility_id)
            .join(Area, Area.id == F.area_id).where(in_period, *under, *where)
            .group_by(Area.path, B.birth_year, year, B.gender, channel)).all()

    A, L, E = Appointment, LotteryRequest, StandbyEntry
    add(grouped(A, A.channel, sa.func.count(A.id),
                sa.func.sum(sa.case((A.status == "completed", 1), else_=0)),
                A.status != "cancelled"), 2, 3)
    add(grouped(L, L.channel, sa.func.count(L.id),
                sa.func.sum(sa.case((L.status.in_(OFFERED), 1), else_=0))), 0, 1)
    add(_standby(under, params), 0, 1)
    add(_walk_ins(under, params), 2, 3)
    for area in areas:
        tick(1)
        for (area_id, band, gender, channel), (asked, offered, booked, done) in sorted(
                ((k, v) for k, v in cells.items() if k[0] == area.id),
                key=lambda kv: (kv[0][1], kv[0][2], kv[0][3] or "")):
            yield (area.code, area_name(area), band, gender_label(gender), channel_label(channel),
                   asked, offered, booked, done, percent(offered, asked))


def _session_of(model):
    if model is LotteryRequest:
        return sa.select(LotteryRound.session_id).where(
            LotteryRound.id == LotteryRequest.round_id).scalar_subquery()
    return model.session_id


def _standby(under, params):
    E, F, B = StandbyEntry, Facility, Beneficiary
    year = sa.extract("year", E.date)
    return db.session.execute(
        sa.select(Area.path, B.birth_year, year, B.gender, E.channel, sa.func.count(E.id),
                  sa.func.sum(sa.case((E.status.in_(OFFERED), 1), else_=0)))
        .join(B, B.id == E.beneficiary_id).join(F, F.id == E.facility_id)
        .join(Area, Area.id == F.area_id)
        .where(E.date.between(params.date_from, params.date_to), *under)
        .group_by(Area.path, B.birth_year, year, B.gender, E.channel)).all()


def _walk_ins(under, params):
    D, F, B = DoseRecord, Facility, Beneficiary
    year = sa.extract("year", D.administered_on)
    return db.session.execute(
        sa.select(Area.path, B.birth_year, year, B.gender, sa.literal("walk_in"),
                  sa.func.count(D.id), sa.func.count(D.id))
        .join(B, B.id == D.beneficiary_id).join(F, F.id == D.facility_id)
        .join(Area, Area.id == F.area_id)
        .where(D.appointment_id.is_(None),
               D.administered_on.between(params.date_from, params.date_to), *under)
        .group_by(Area.path, B.birth_year, year, B.gender)).all()


def _area_count(params) -> int:
    return len(child_areas(params.area)) or 1


def equity_report():
    return Report("equity", _l("Equity of allocation"), (
        ("area_code", _l("Area code")), ("area", _l("Area")), ("age_band", _l("Age band")),
        ("sex", _l("Sex")), ("channel", _l("Channel")),
        ("requested", _l("Asked (lottery, standby)")), ("offered", _l("Offered")),
        ("booked", _l("Booked or walked in")), ("vaccinated", _l("Vaccinated")),
        ("offer_pct", _l("Offered (%)"))), _rows, _area_count)
