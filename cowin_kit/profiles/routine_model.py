"""Typed routine schedule built from a validated routine.yaml (docs/routine-immunisation.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property

from .ages import REFERENCE, after, parse_age
from .durations import Duration


@dataclass(frozen=True)
class Antigen:
    id: str
    name: str
    icd11: str = ""  # the disease targeted (ICD-11 MMS), for certificates


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    antigens: tuple[str, ...]
    min_age: Duration | None = None
    max_age: Duration | None = None
    in_programme: bool = True
    live: bool = False  # a live injectable vaccine: the profile's live_spacing applies
    icd11: str = ""  # the vaccine (ICD-11 MMS), for certificates


@dataclass(frozen=True)
class Dose:
    name: str
    age: Duration
    min_age: Duration
    late_age: Duration | None = None
    max_age: Duration | None = None
    min_interval: Duration | None = None
    interval: Duration | None = None
    skip_if_missed: bool = False
    products: tuple[str, ...] = ()  # offered for this dose; empty: the series' products


@dataclass(frozen=True)
class Recent:
    """Doses to give instead when ``count`` doses were given within ``within`` before."""

    count: int
    within: Duration
    doses: tuple[Dose, ...]


@dataclass(frozen=True)
class CatchUp:
    """Doses to give instead when the series starts (its first dose, or today when none is
    given) at ``from_age`` or later: fewer doses for a child who starts late."""

    from_age: Duration
    doses: tuple[Dose, ...]


@dataclass(frozen=True)
class Series:
    antigen: str
    products: tuple[str, ...]
    doses: tuple[Dose, ...]
    if_recent: Recent | None = None
    catch_up: tuple[CatchUp, ...] = ()  # by from_age, youngest first


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    kind: str = "routine"
    anchor: str = "birth"
    sex: str | None = None
    start: dt.date | None = None
    until: dt.date | None = None
    series: tuple[Series, ...] = ()
    counts_earlier_doses: bool = False  # pregnancy: doses before this pregnancy count too

    def runs_on(self, day: dt.date) -> bool:
        if self.kind != "campaign":
            return True
        return (self.start is None or self.start <= day) and (self.until is None
                                                              or day <= self.until)


@dataclass(frozen=True)
class Routine:
    source: dict
    antigens: tuple[Antigen, ...]
    products: tuple[Product, ...]
    programmes: tuple[Programme, ...]
    grace: dt.timedelta = dt.timedelta(0)
    overdue_after: Duration = dt.timedelta(weeks=4)
    #: From this age a person needs an identity document to be registered (None: never).
    documents_from: Duration | None = parse_age("18y")
    #: The doses (antigen, number) a fully immunised child has by the first birthday.
    fully_immunised: tuple[tuple[str, int], ...] = ()
    #: The age by which those doses count (1y; 2y where the first measles dose is at 12m).
    fully_immunised_by: Duration = parse_age("1y")
    #: Dropout pairs: (first dose, later dose), each (antigen, number).
    dropout: tuple[tuple[tuple[str, int], tuple[str, int]], ...] = ()
    #: Two different live vaccines (products with ``live``) not given the same day must be at
    #: least this far apart (WHO: 4 weeks); None: no such rule.
    live_spacing: Duration | None = None

    @cached_property
    def _by_id(self) -> dict[str, Product]:
        return {p.id: p for p in self.products}

    def product(self, product_id: str) -> Product | None:
        return self._by_id.get(product_id)

    def antigens_of(self, product_id: str) -> tuple[str, ...]:
        product = self.product(product_id)
        return product.antigens if product else ()


def _age(raw: dict, key: str, default: Duration | None = None) -> Duration | None:
    value = raw.get(key)
    return parse_age(value) if value is not None else default


def _dose(raw: dict, series_max: Duration | None) -> Dose:
    age = parse_age(raw["age"])
    min_interval = _age(raw, "min_interval")
    return Dose(name=raw["name"], age=age, min_age=_age(raw, "min_age", age),
                late_age=_age(raw, "late_age"),
                max_age=_age(raw, "max_age") if "max_age" in raw else series_max,
                min_interval=min_interval, interval=_age(raw, "interval", min_interval),
                skip_if_missed=raw.get("if_missed") == "skip",
                products=tuple(raw.get("products") or ()))


def _series(raw: dict, products: tuple[Product, ...]) -> Series:
    top = _age(raw, "max_age")
    recent = raw.get("if_recent")
    default = tuple(p.id for p in products if p.in_programme and raw["antigen"] in p.antigens)
    return Series(
        antigen=raw["antigen"], products=tuple(raw.get("products") or default),
        doses=tuple(_dose(d, top) for d in raw["doses"]),
        if_recent=Recent(recent["count"], parse_age(recent["within"]),
                         tuple(_dose(d, top) for d in recent["doses"])) if recent else None,
        catch_up=tuple(sorted((CatchUp(parse_age(c["from"]), tuple(_dose(d, top)
                                                                   for d in c["doses"]))
                               for c in raw.get("catch_up") or ()),
                              key=lambda c: after(REFERENCE, c.from_age))))


def _ref(text: str) -> tuple[str, int]:
    antigen, number = text.split(":")
    return antigen, int(number)


def build_routine(data: dict) -> Routine:
    """Build the typed Routine from a validated routine.yaml."""
    products = tuple(Product(p["id"], p["name"], tuple(p["antigens"]), _age(p, "min_age"),
                             _age(p, "max_age"), p.get("in_programme", True),
                             p.get("live", False))
                     for p in data["products"])
    products = tuple(replace(p, icd11=raw.get("icd11", "")) for p, raw in zip(products, data["products"]))
    return Routine(
        source=dict(data["source"]),
        antigens=tuple(Antigen(a["id"], a["name"], a.get("icd11", "")) for a in data["antigens"]),
        products=products,
        programmes=tuple(Programme(
            id=p["id"], name=p["name"], kind=p.get("kind", "routine"),
            anchor=p.get("anchor", "birth"), sex=p.get("sex"), start=p.get("from"),
            until=p.get("until"), series=tuple(_series(s, products) for s in p["series"]),
            counts_earlier_doses=p.get("counts_earlier_doses", False))
            for p in data["programmes"]),
        grace=dt.timedelta(days=data.get("grace_days", 0)),
        overdue_after=_age(data, "overdue_after", dt.timedelta(weeks=4)),
        documents_from=_age(data, "documents_from") if "documents_from" in data
        else parse_age("18y"),
        fully_immunised=tuple(_ref(r) for r in data.get("fully_immunised") or ()),
        dropout=tuple((_ref(a), _ref(b)) for a, b in data.get("dropout") or ()),
        fully_immunised_by=_age(data, "fully_immunised_by", parse_age("1y")),
        live_spacing=_age(data, "live_spacing"))
