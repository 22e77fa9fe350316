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


def shares(params) -> dict:
    """The dashboard's equity panel: for each dimension (age band, sex, channel), each group's
    share of the people who asked (lottery, standby) and of those who booked or walked in, in
    the area and period. Aggregates only, from one grouped query (a UNION ALL of the four
    sources, grouped by what the shares need)."""
    S, F, B = VaccinationSession, Facility, Beneficiary
    A, L, E, D = Appointment, LotteryRequest, StandbyEntry, DoseRecord
    under = [Area.path.startswith(params.area.path)] if params.area else []

    def part(kind, model, joins, day, channel, *where):
        query = sa.select(sa.literal(kind).label("kind"), B.birth_year.label("born"),
                          sa.extract("year", day).label("year"), B.gender.label("sex"),
                          channel.label("channel")).select_from(model).join(
            B, B.id == model.beneficiary_id)
        for target, onclause in joins:
            query = query.join(target, onclause)
        return query.join(Area, Area.id == F.area_id).where(
            day.between(params.date_from, params.date_to), *under, *where)

    to_facility = (F, F.id == S.facility_id)
    union = sa.union_all(
        part("asked", L, [(LotteryRound, LotteryRound.id == L.round_id),
                          (S, S.id == LotteryRound.session_id), to_facility], S.date, L.channel),
        part("asked", E, [(F, F.id == E.facility_id)], E.date, E.channel),
        part("booked", A, [(S, S.id == A.session_id), to_facility], S.date, A.channel,
             A.status != "cancelled"),
        part("booked", D, [(F, F.id == D.facility_id)], D.administered_on,
             sa.literal("walk_in"), D.appointment_id.is_(None))).subquery()
    rows = db.session.execute(
        sa.select(union.c.kind, union.c.born, union.c.year, union.c.sex, union.c.channel,
                  sa.func.count()).group_by(union.c.kind, union.c.born, union.c.year,
                                            union.c.sex, union.c.channel)).all()
    bands = age_bands(get_profile())
    totals = {"asked": 0, "booked": 0}
    groups: dict[str, dict[str, dict[str, int]]] = {"age_band": {}, "sex": {}, "channel": {}}
    for kind, born, year, sex, channel, n in rows:
        totals[kind] += int(n)
        for dimension, label in (("age_band", band_of(bands, int(year) - int(born))),
                                 ("sex", gender_label(sex)),
                                 ("channel", channel_label(channel))):
            cell = groups[dimension].setdefault(label, {"asked": 0, "booked": 0})
            cell[kind] += int(n)
    order = {b.label: i for i, b in enumerate(bands)}
    return {"totals": totals, "dimensions": [
        (dimension, [(label, percent(cell["asked"], totals["asked"]),
                      percent(cell["booked"], totals["booked"]))
                     for label, cell in sorted(groups[dimension].items(), key=lambda kv: (
                         order.get(kv[0], len(order)) if dimension == "age_band" else 0,
                         kv[0]))])
        for dimension in ("age_band", "sex", "channel")]}


def _area_count(params) -> int:
    return len(child_areas(params.area)) or 1


def equity_report():
    return Report("equity", _l("Equity of allocation"), (
        ("area_code", _l("Area code")), ("area", _l("Area")), ("age_band", _l("Age band")),
        ("sex", _l("Sex")), ("channel", _l("Channel")),
        ("requested", _l("Asked (lottery, standby)")), ("offered", _l("Offered")),
        ("booked", _l("Booked or walked in")), ("vaccinated", _l("Vaccinated")),
        ("offer_pct", _l("Offered (%)"))), _rows, _area_count)
