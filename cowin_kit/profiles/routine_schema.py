"""The shape of a profile's routine.yaml: antigens, products, programmes of dosed series.
docs/routine-immunisation.md describes every field; cross-checks are in routine_checks.py."""

from __future__ import annotations

from .ages import Age
from .code_checks import ICD11_CODE
from .spec import Bool, Date, Int, ListOf, Null, Obj, Str

ID = Str(r"[a-z][a-z0-9_]*", expected="an id of lower-case letters, digits and _")
TEXT = Str(r"\S(.*\S)?", expected="text")

#: A dose of an antigen's series by number (1: the first), e.g. ``measles:1``.
DOSE_REF = Str(r"[a-z][a-z0-9_]*:[1-9][0-9]?", expected="antigen:dose number, e.g. measles:1")

SOURCE = Obj({
    "document": TEXT,                  # the ministry's document, as titled
    "publisher": TEXT,
    "edition": TEXT,                   # year or edition named on the document
    "url": Str(r"https?://\S+", expected="an http(s) URL"),
    "checked": Date(),                 # when the profile was last compared with the document
}, required=("document", "publisher", "edition", "checked"))

DOSE_FIELDS = {
    "name": TEXT,
    "age": Age(),                      # recommended age (or gestational age in pregnancy)
    "min_age": Age(),                  # earliest valid age; default: age
    "late_age": Age(),                 # overdue from this age; default: due date + overdue_after
    "max_age": Null(Age()),            # not given from this age on (catch-up limit)
    "min_interval": Age(),             # since the previous dose of the same antigen
    "interval": Age(),                 # recommended interval; default: min_interval
    "if_missed": Str(choices=("stop", "skip")),  # past max_age: stop the series / skip the dose
    "products": ListOf(ID, min_len=1, unique=True),  # offered for this dose (default: series')
}
DOSE = Obj(DOSE_FIELDS, required=("name", "age"))

SERIES = Obj({
    "antigen": ID,
    "products": ListOf(ID, min_len=1, unique=True),
    "max_age": Null(Age()),            # catch-up limit for every dose that names none
    "doses": ListOf(DOSE, min_len=1),
    # Pregnancy: with ``count`` doses of the antigen within ``within`` before this pregnancy,
    # give ``doses`` instead (India: Td booster after two doses in the last three years).
    "if_recent": Obj({"count": Int(1, 10), "within": Age(), "doses": ListOf(DOSE, min_len=1)},
                     required=("count", "within", "doses")),
    # From birth: when the series starts (its first dose, or today) at ``from`` or later,
    # ``doses`` replace the series' (Hib: one dose from 12 months); the latest ``from`` wins.
    "catch_up": ListOf(Obj({"from": Age(), "doses": ListOf(DOSE, min_len=1)},
                           required=("from", "doses")), min_len=1),
}, required=("antigen", "doses"))

PROGRAMME = Obj({
    "id": ID,
    "name": TEXT,
    "kind": Str(choices=("routine", "campaign")),
    "anchor": Str(choices=("birth", "pregnancy")),
    "sex": Str(choices=("M", "F")),
    "from": Date(),                    # campaigns: the dates they run (both ends inclusive)
    "until": Null(Date()),
    # Pregnancy: doses given before this pregnancy count (WHO's five-dose Td schedule)
    "counts_earlier_doses": Bool(),
    "series": ListOf(SERIES, min_len=1),
}, required=("id", "name", "kind", "series"))

ROUTINE = Obj({
    "schema_version": Int(1, 1),
    "source": SOURCE,
    "grace_days": Int(0, 30),          # doses this many days early still count (ACIP: 4)
    "overdue_after": Age(),            # a dose is overdue this long after its due date
    # Children younger than this may be registered without an identity document (null: people
    # of any age may be); default 18y.
    "documents_from": Null(Age()),
    # icd11: the disease targeted; products' icd11: the vaccine (code_checks.py: WHO value sets)
    "antigens": ListOf(Obj({"id": ID, "name": TEXT, "icd11": ICD11_CODE},
                           required=("id", "name")), min_len=1),
    "products": ListOf(Obj({
        "id": ID,
        "name": TEXT,
        "antigens": ListOf(ID, min_len=1, unique=True),
        "min_age": Age(),
        "max_age": Null(Age()),
        # false: not used here, but counted when given abroad or in another programme
        "in_programme": Bool(),
        "icd11": ICD11_CODE,
        "live": Bool(),                # a live injectable vaccine: live_spacing applies
    }, required=("id", "name", "antigens")), min_len=1),
    "programmes": ListOf(PROGRAMME, min_len=1),
    # Reports (docs/reporting.md): the doses a fully immunised child has by the first
    # birthday, and the dropout pairs (first dose, later dose), each dose as antigen:number.
    "fully_immunised": ListOf(DOSE_REF, min_len=1, unique=True),
    "fully_immunised_by": Age(),       # the age the FIC doses are counted to (default 1y)
    "dropout": ListOf(ListOf(DOSE_REF, min_len=2), min_len=1),
    # Two different live vaccines not given the same day: at least this far apart (WHO: 4w).
    "live_spacing": Age(),
    "notes": TEXT,
}, required=("schema_version", "source", "antigens", "products", "programmes"))
