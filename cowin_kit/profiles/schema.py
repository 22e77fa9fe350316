"""The shape of profile.yaml (types, required and optional keys); docs/country-profiles.md
describes every field. Cross-references are checked in validate.py."""

from __future__ import annotations

from .spec import (LANG, Any_, Bool, Date, Duration, Either, Int, LangMap, ListOf, MapOf, Null,
                   Obj, Regex, Str)

ID = Str(r"[a-z][a-z0-9_]*", expected="an id of lower-case letters, digits and _")
AGE = Int(0, 130)
LOCALE = Str(r"[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|[0-9]{3}))?",
             expected="a CLDR locale id like en_IN, ckb_IQ or pa_Guru_IN")
MOBILE_TYPES = ("MOBILE", "FIXED_LINE_OR_MOBILE", "FIXED_LINE", "VOIP", "PAGER", "UAN",
                "PERSONAL_NUMBER", "UNKNOWN")
ENCODES = ("birth_date", "birth_year", "sex")

COLOUR = Str(r"#[0-9a-fA-F]{6}", expected="a colour like #0b5cad")
LINK = Str(r"(https?://|tel:|mailto:)\S+", expected="an http(s), tel: or mailto: link")

NAME_LIST = ListOf(Str(r"\S(.*\S)?", expected="a name"), min_len=3, unique=True)
DEMO_NAMES = Obj({
    "order": Str(choices=("given_family", "family_given")),
    "surnames": Int(1, 2),
    "given": Obj({"M": NAME_LIST, "F": NAME_LIST}, required=("M", "F")),
    "family": NAME_LIST,
}, required=("given", "family"))

INTERVAL = Obj({"min": Duration(), "max": Null(Duration())}, required=("min",))

CHECK_PARAMS = Obj({
    "name": Str(expected="a check name like luhn, verhoeff, mod11_weighted or stdnum:in_.aadhaar"),
    "weights": ListOf(Int(), min_len=1),
    "modulus": Int(2),
    "complement": Bool(),
    "province_codes": ListOf(Str(r"[0-9]{3}", expected="a 3-digit code"), min_len=1),
}, required=("name",), expected="a check name, or a mapping with name and parameters")

ID_DOCUMENT = Obj({
    "id": ID,
    "labels": LangMap,
    "format": Regex(),
    "normalize": Obj({"remove": Str(), "upper": Bool()}),
    "check": Either((str, Str(expected="a check name")), (dict, CHECK_PARAMS)),
    "encodes": ListOf(Str(choices=ENCODES), unique=True),
    "mask": Obj({"keep_last": Int(0), "keep_first": Int(0), "group": Null(Int(1)),
                 "char": Str(r".", expected="one character")}),
    "min_age": AGE,
    "example": Str(),
    "examples_invalid": ListOf(Str()),
}, required=("id", "labels", "format"))

DATED = {"from": Date(), "until": Null(Date())}

SCHEDULE = Obj({
    "vaccine": ID,
    "doses": Int(1, 10),
    "intervals": ListOf(INTERVAL),
    "interchangeable_with": ListOf(ID, unique=True),
    "rules": ListOf(Obj({**DATED, "intervals": ListOf(INTERVAL)}, required=("from", "intervals"))),
}, required=("vaccine", "doses"))

BOOSTER_FIELDS = {
    "min_interval": Duration(),
    "max_interval": Null(Duration()),
    "products": ListOf(ID, min_len=1, unique=True),
    "min_age": AGE,
    "groups": ListOf(ID, unique=True),
}
BOOSTER = Obj({
    "after": ListOf(ID, min_len=1, unique=True),
    "count": Int(1, 10),
    "from": Date(),
    **BOOSTER_FIELDS,
    "rules": ListOf(Obj({**DATED, **BOOSTER_FIELDS}, required=("from",))),
}, required=("after", "products", "min_interval"))

VACCINE = Obj({
    "id": ID,
    "name": Str(),
    "manufacturer": Str(),
    "platform": Str(choices=("mrna", "viral_vector", "inactivated", "protein_subunit",
                             "live_attenuated", "dna", "toxoid", "conjugate", "other")),
    "codes": MapOf(Str(), Str(), expected="a mapping of code system to code (quote numbers)"),
    "min_age": Null(AGE),
    "max_age": Null(AGE),
    "from": Null(Date()),
    "until": Null(Date()),
    "doses_per_vial": Null(Int(1)),
    # Open-vial policy: an opened vial is discarded this many hours after opening (stock).
    "open_vial_hours": Null(Int(1, 720)),
}, required=("id", "name", "manufacturer", "platform"))

PROFILE = Obj({
    "schema_version": Int(1, 1),
    "country": Obj({
        "alpha2": Str(r"[A-Z]{2}", expected="an ISO 3166-1 alpha-2 code like IN"),
        "alpha3": Str(r"[A-Z]{3}", expected="an ISO 3166-1 alpha-3 code like IND"),
        "names": LangMap,
        "timezone": Str(),
        "currency": Str(r"[A-Z]{3}", expected="an ISO 4217 code like INR"),
    }, required=("alpha2", "alpha3", "names", "timezone")),
    "phone": Obj({
        "region": Str(r"[A-Z]{2}", expected="a phonenumbers region like IN"),
        "mobile_types": ListOf(Str(choices=MOBILE_TYPES), min_len=1, unique=True),
        "example": Str(),
    }, required=("region",)),
    "languages": Obj({
        "default": LOCALE,
        "supported": ListOf(Obj({
            "id": LOCALE,
            "direction": Str(choices=("ltr", "rtl")),
            "digits": Str(r"[a-z]{4}", expected="a CLDR numbering system like latn or arab"),
        }, required=("id",)), min_len=1),
    }, required=("default", "supported")),
    "genders": ListOf(Obj({"code": Str(choices=("M", "F", "O")), "labels": LangMap},
                          required=("code", "labels")), min_len=1),
    "identity_documents": ListOf(ID_DOCUMENT, min_len=1),
    "admin_levels": ListOf(Obj({"key": ID, "labels": LangMap}, required=("key", "labels")),
                           min_len=1),
    "areas_file": Str(r"[^/\\]+\.csv", expected="a CSV file name in the profile folder"),
    "vaccines": ListOf(VACCINE, min_len=1),
    "stock": Obj({
        "planning_days": Int(1, 90),
        "expiry_warning_days": Int(1, 365),
    }),
    "schedules": ListOf(SCHEDULE, min_len=1),
    "boosters": ListOf(BOOSTER),
    "eligibility": Obj({
        "min_age": AGE,
        "age_on": Str(choices=("date", "year_end")),
        # evidence: what staff check at the desk to confirm membership (docs/fair-access.md)
        "priority_groups": ListOf(Obj({"id": ID, "labels": LangMap, "evidence": LangMap},
                                      required=("id", "labels"))),
        "phases": ListOf(Obj({**DATED, "groups": ListOf(ID, unique=True), "min_age": AGE,
                              "max_age": AGE, "labels": LangMap}, required=("from",))),
    }, required=("min_age",)),
    "booking": Obj({
        "beneficiaries_per_mobile": Int(1, 100),
        "days_ahead": Int(0, 366),
        "cancel_cutoff": Duration(),
        "birth": Str(choices=("year", "date")),
    }, required=("beneficiaries_per_mobile",)),
    "certificates": Obj({
        "formats": ListOf(Str(choices=("divoc_vc", "eu_dcc", "shc", "ddcc")), min_len=1,
                          unique=True),
        "issuer": Obj({"name": Str(), "country": Str(r"[A-Z]{2}", expected="an alpha-2 code"),
                       "url": Str(r"https?://\S+", expected="an http(s) URL")},
                      required=("name", "country")),
        "languages": ListOf(LANG, min_len=1, unique=True),
        "validity": Null(Duration()),
    }, required=("formats", "issuer")),
    "branding": Obj({
        "ministry": LangMap,
        "portal_name": LangMap,
        "emblem": Str(r"(?!/)(?!.*\.\.)[^\\]+\.png",
                      expected="a PNG file inside the profile folder, e.g. branding/emblem.png"),
        "colours": Obj({name: COLOUR for name in ("primary", "dark", "accent")}),
        "footer_links": ListOf(Obj({"labels": LangMap, "url": LINK}, required=("labels", "url"))),
    }, required=("ministry",)),
    "notes": Any_(),
    # Data for `cowin-kit demo` only, read by the domains' demo.py; a real instance never
    # uses it. ``names`` (the synthetic people's names) is checked; the rest is free-form.
    "demo": Obj({
        "names": DEMO_NAMES,
        "people": ListOf(Obj({"name": Str(), "gender": Str(choices=("M", "F", "O")),
                              "birth_year": Int(1900, 2100)},
                             required=("name", "gender", "birth_year"))),
        "facility_names": ListOf(Str(r".*\{area\}.*", expected="a pattern with {area}")),
        "postal_code_pattern": Str(),
        "center": Any_(),
        "regions": MapOf(Str(), Any_(), expected="a mapping of area code to demo settings"),
        "paid_fee": Int(0),
        "session_age_bands": ListOf(Obj({"min_age": AGE, "max_age": Null(AGE)},
                                        required=("min_age", "max_age")), min_len=1),
    }),
}, required=("schema_version", "country", "phone", "languages", "genders",
             "identity_documents", "admin_levels", "vaccines", "schedules", "eligibility",
             "booking", "certificates"))

#: What an instance needs at least; absent sections get defaults (see model.build_profile).
PARTIAL = Obj(PROFILE.fields, required=("country", "languages"))
