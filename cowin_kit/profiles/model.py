"""The typed Profile built from a validated profile.yaml (see docs/country-profiles.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from cowin_kit.core.errors import NotFound

from .durations import Duration, add, parse_duration, to_timedelta
from .identity import IdDocument, build_id_document
from .labels import Labelled, pick
from .routine_model import Routine


class ProfileError(Exception):
    """A profile is missing or invalid; the message says which file and what to fix."""


class UnknownProfileItem(NotFound, ProfileError):
    """A vaccine, document or level id the profile does not define."""

    code = "NOT_IN_PROFILE"
    default_message = _l("This country's profile has no '%(item)s'.")


@dataclass(frozen=True)
class LocaleInfo:
    id: str
    direction: str = "ltr"
    digits: str = "latn"

    @property
    def language(self) -> str:
        return self.id.split("_")[0]


@dataclass(frozen=True)
class Gender(Labelled):
    code: str = "O"


@dataclass(frozen=True)
class Level(Labelled):
    key: str = ""
    depth: int = 1


@dataclass(frozen=True)
class Group(Labelled):
    id: str = ""


@dataclass(frozen=True)
class Vaccine:
    id: str
    name: str
    manufacturer: str
    platform: str
    codes: dict = field(default_factory=dict, hash=False)
    min_age: int | None = None
    max_age: int | None = None
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    doses_per_vial: int | None = None
    open_vial_hours: int | None = None  # discard an opened vial this long after opening

    def available_on(self, day: dt.date) -> bool:
        """Whether the product was in use on ``day``."""
        return (self.available_from is None or day >= self.available_from) and (
            self.available_until is None or day <= self.available_until)


@dataclass(frozen=True)
class Interval:
    min: Duration
    max: Duration | None = None


@dataclass(frozen=True)
class Period:
    """A dated rule's validity: both ends inclusive; ``until`` None = open-ended."""

    start: dt.date
    until: dt.date | None = None

    def contains(self, day: dt.date) -> bool:
        return self.start <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class ScheduleRule:
    period: Period
    intervals: tuple[Interval, ...]


@dataclass(frozen=True)
class Schedule:
    vaccine: str
    doses: int
    intervals: tuple[Interval, ...]
    rules: tuple[ScheduleRule, ...] = ()
    interchangeable_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class BoosterTerms:
    """The booster settings in force over one period (the base terms or a dated rule)."""

    period: Period
    min_interval: Duration
    max_interval: Duration | None
    products: tuple[str, ...]
    min_age: int
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Booster:
    after: tuple[str, ...]
    count: int
    base: BoosterTerms
    rules: tuple[BoosterTerms, ...] = ()

    @property
    def products(self) -> tuple[str, ...]:
        return self.base.products


@dataclass(frozen=True)
class Phase(Labelled):
    period: Period = Period(dt.date.min)
    groups: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class Eligibility:
    min_age: int
    age_on: str = "date"
    priority_groups: tuple[Group, ...] = ()
    phases: tuple[Phase, ...] = ()


@dataclass(frozen=True)
class Booking:
    beneficiaries_per_mobile: int = 4
    days_ahead: int = 7
    cancel_cutoff: dt.timedelta = dt.timedelta(0)
    birth: str = "year"


@dataclass(frozen=True)
class Certificates:
    formats: tuple[str, ...]
    issuer_name: str
    issuer_country: str
    issuer_url: str | None = None
    languages: tuple[str, ...] = ()
    validity_duration: Duration | None = None

    @property
    def validity(self) -> dt.timedelta | None:
        """Validity as a timedelta (calendar years/months approximated); None = no expiry."""
        return to_timedelta(self.validity_duration) if self.validity_duration else None

    def valid_until(self, issued: dt.date) -> dt.date | None:
        """The exact last day of validity for a certificate issued on ``issued``."""
        return add(issued, self.validity_duration) if self.validity_duration else None


@dataclass(frozen=True)
class Phone:
    region: str
    mobile_types: tuple[str, ...] = ("MOBILE", "FIXED_LINE_OR_MOBILE")
    example: str | None = None

    @property
    def mobile_type_values(self) -> tuple[int, ...]:
        import phonenumbers

        return tuple(getattr(phonenumbers.PhoneNumberType, t) for t in self.mobile_types)


@dataclass
class Profile:
    """A country profile: typed attributes over the parsed profile.yaml (``data``)."""

    code: str
    path: Path
    data: dict[str, Any]
    locales: list[LocaleInfo] = field(default_factory=list)
    default_language: str = "en"
    genders: list[Gender] = field(default_factory=list)
    id_documents: list[IdDocument] = field(default_factory=list)
    admin_levels: list[Level] = field(default_factory=list)
    vaccines: list[Vaccine] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    boosters: list[Booster] = field(default_factory=list)
    eligibility: Eligibility = Eligibility(0)
    booking: Booking = Booking()
    certificates: Certificates | None = None
    phone: Phone | None = None
    routine: Routine | None = None  # the profile's routine.yaml (routine_model.py), if any

    # -- country and languages ---------------------------------------------------------------
    @property
    def alpha2(self) -> str:
        return self.data["country"]["alpha2"]

    @property
    def alpha3(self) -> str:
        return self.data["country"]["alpha3"]

    @property
    def timezone(self) -> str:
        return self.data["country"].get("timezone", "UTC")

    @property
    def currency(self) -> str | None:
        return self.data["country"].get("currency")

    @property
    def default_locale(self) -> str:
        return self.data["languages"]["default"]

    @property
    def locale_ids(self) -> list[str]:
        return [loc.id for loc in self.locales]

    @property
    def areas_csv_path(self) -> Path:
        return self.path / self.data.get("areas_file", "areas.csv")

    def locale_info(self, locale_id: str) -> LocaleInfo:
        """Return the profile's settings for a locale (or its language), default LTR/Latin."""
        for loc in self.locales:
            if loc.id == locale_id:
                return loc
        language = locale_id.split("_")[0]
        for loc in self.locales:
            if loc.language == language:
                return loc
        return LocaleInfo(locale_id)

    def country_name(self, language: str | None = None) -> str:
        return self.label(self.data["country"]["names"], language)

    def label(self, mapping: dict | None, language: str | None = None) -> str:
        """Pick a {language: text} label, falling back to the default language, then English."""
        return pick(mapping, language, self.default_language)

    def timezone_for(self, area: Any | None) -> str:
        """The time zone of an Area row: its own, else its nearest ancestor's, else the country's."""
        seen = 0
        while area is not None and seen < 32:
            if getattr(area, "timezone", None):
                return area.timezone
            area, seen = getattr(area, "parent", None), seen + 1
        return self.timezone

    # -- look-ups ----------------------------------------------------------------------------
    def _find(self, items, attr: str, value: str):
        for item in items:
            if getattr(item, attr) == value:
                return item
        raise UnknownProfileItem(item=value)

    def id_document(self, doc_id: str) -> IdDocument:
        return self._find(self.id_documents, "id", doc_id)

    def vaccine(self, vaccine_id: str) -> Vaccine:
        return self._find(self.vaccines, "id", vaccine_id)

    def level(self, key: str) -> Level:
        return self._find(self.admin_levels, "key", key)

    def gender(self, code: str) -> Gender:
        return self._find(self.genders, "code", code)

    def schedule_for(self, vaccine_id: str) -> Schedule:
        return self._find(self.schedules, "vaccine", vaccine_id)

    def booster_after(self, vaccine_id: str) -> Booster | None:
        """The booster entry for people whose primary series was ``vaccine_id`` (or None)."""
        return next((b for b in self.boosters if vaccine_id in b.after), None)


def _period(raw: dict) -> Period:
    return Period(raw["from"], raw.get("until"))


def _interval(raw: dict) -> Interval:
    return Interval(parse_duration(raw["min"]),
                    parse_duration(raw["max"]) if raw.get("max") else None)


def _booster(raw: dict) -> Booster:
    def terms(item: dict, base: BoosterTerms | None) -> BoosterTerms:
        def get(key, fallback):
            return item[key] if key in item else fallback

        max_raw = get("max_interval", None if base is None else base.max_interval)
        return BoosterTerms(
            period=Period(item.get("from") or dt.date.min, item.get("until")),
            min_interval=parse_duration(item["min_interval"]) if "min_interval" in item
            else base.min_interval,
            max_interval=parse_duration(max_raw) if isinstance(max_raw, str) else max_raw,
            products=tuple(get("products", base.products if base else ())),
            min_age=get("min_age", base.min_age if base else 0),
            groups=tuple(get("groups", base.groups if base else ())))

    base = terms(raw, None)
    return Booster(after=tuple(raw["after"]), count=raw.get("count", 1), base=base,
                   rules=tuple(terms(rule, base) for rule in raw.get("rules") or ()))


def build_profile(code: str, folder: Path, data: dict) -> Profile:
    """Build the typed Profile from validated data."""
    default = data["languages"]["default"].split("_")[0]

    def labelled(cls, raw: dict, **extra):
        return cls(labels=raw.get("labels") or {}, default_language=default, **extra)

    elig = data.get("eligibility") or {}
    booking = data.get("booking") or {}
    certs = data.get("certificates") or {}
    issuer = certs.get("issuer") or {}
    phone = data.get("phone") or {}
    return Profile(
        code=code, path=folder, data=data, default_language=default,
        locales=[LocaleInfo(loc["id"], loc.get("direction", "ltr"), loc.get("digits", "latn"))
                 for loc in data["languages"]["supported"]],
        genders=[labelled(Gender, g, code=g["code"]) for g in data.get("genders") or ()],
        id_documents=[build_id_document(d, default)
                      for d in data.get("identity_documents") or ()],
        admin_levels=[labelled(Level, lv, key=lv["key"], depth=i)
                      for i, lv in enumerate(data.get("admin_levels") or (), start=1)],
        vaccines=[Vaccine(v["id"], v["name"], v["manufacturer"], v["platform"],
                          dict(v.get("codes") or {}), v.get("min_age"), v.get("max_age"),
                          v.get("from"), v.get("until"), v.get("doses_per_vial"),
                          v.get("open_vial_hours")) for v in data.get("vaccines") or ()],
        schedules=[Schedule(s["vaccine"], s["doses"],
                            tuple(_interval(i) for i in s.get("intervals") or ()),
                            tuple(ScheduleRule(_period(r), tuple(_interval(i)
                                                                 for i in r["intervals"]))
                                  for r in s.get("rules") or ()),
                            tuple(s.get("interchangeable_with") or ()))
                   for s in data.get("schedules") or ()],
        boosters=[_booster(b) for b in data.get("boosters") or ()],
        eligibility=Eligibility(
            min_age=elig.get("min_age", 0), age_on=elig.get("age_on", "date"),
            priority_groups=tuple(labelled(Group, g, id=g["id"])
                                  for g in elig.get("priority_groups") or ()),
            phases=tuple(labelled(Phase, p, period=_period(p), groups=tuple(p.get("groups") or ()),
                                  min_age=p.get("min_age"), max_age=p.get("max_age"))
                         for p in elig.get("phases") or ())),
        booking=Booking(
            beneficiaries_per_mobile=booking.get("beneficiaries_per_mobile", 4),
            days_ahead=booking.get("days_ahead", 7),
            cancel_cutoff=to_timedelta(parse_duration(booking.get("cancel_cutoff", "PT0S"))),
            birth=booking.get("birth", "year")),
        certificates=Certificates(
            formats=tuple(certs.get("formats") or ()), issuer_name=issuer.get("name", ""),
            issuer_country=issuer.get("country", data["country"]["alpha2"]),
            issuer_url=issuer.get("url"), languages=tuple(certs.get("languages") or (default,)),
            validity_duration=parse_duration(certs["validity"]) if certs.get("validity")
            else None),
        phone=Phone(phone.get("region", data["country"]["alpha2"]),
                    tuple(phone.get("mobile_types") or ("MOBILE", "FIXED_LINE_OR_MOBILE")),
                    phone.get("example")),
    )
