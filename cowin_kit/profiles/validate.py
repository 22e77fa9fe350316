"""Validate a profile folder: shape (schema.py), cross-references, library look-ups and the
areas file; every problem is reported as ``file:line: message``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cowin_kit.core.fontset import missing_for_language
from cowin_kit.core.inputs import known_timezones

from . import checks
from .areafile import read_areas
from .code_checks import check_routine_codes, check_vaccine_codes
from .entries import check_known, items, unique
from .identity import InvalidIdDocument, build_id_document
from .routine_checks import validate_routine
from .schema import PARTIAL, PROFILE
from .vaccine_checks import check_boosters, check_schedules, check_unused_vaccines
from .yamlsrc import Problem, Source, parse, render_path


def _babel_knows(locale_id: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(locale_id)
        return True
    except (ValueError, UnknownLocaleError):
        return False


def _lang_maps(src: Source, default_lang: str, languages: set[str]) -> None:
    data = src.data
    maps: list[tuple[tuple, Any]] = [(("country", "names"), (data.get("country") or {}).get("names"))]
    for section in ("genders", "identity_documents", "admin_levels"):
        maps += [(p + ("labels",), item.get("labels")) for p, item in items(src, section)]
    for section in ("priority_groups", "phases"):
        maps += [(p + ("labels",), item.get("labels"))
                 for p, item in items(src, "eligibility", section) if "labels" in item]
    maps += [(p + ("evidence",), item.get("evidence"))  # what the desk checks (#21)
             for p, item in items(src, "eligibility", "priority_groups") if "evidence" in item]
    branding = data.get("branding") if isinstance(data.get("branding"), dict) else {}
    maps += [(("branding", key), branding.get(key)) for key in ("ministry", "portal_name")]
    maps += [(p + ("labels",), item.get("labels")) for p, item in items(src, "branding",
                                                                          "footer_links")]
    for path, mapping in maps:
        if not isinstance(mapping, dict):
            continue
        if default_lang not in mapping and src.complete:
            src.problem(path, f"{render_path(path)}: no text for the default language "
                        f"'{default_lang}'; expected a '{default_lang}:' entry")
        for key in mapping:
            if isinstance(key, str) and key not in languages and not _babel_knows(key):
                src.problem(path + (key,), f"{render_path(path + (key,))}: unknown language "
                            f"{key!r}; expected a CLDR language code")


def _check_font(src: Source, path: tuple, locale_id: str) -> None:
    """Certificates and slips are printed in every profile language: each needs a font."""
    missing = missing_for_language(locale_id.split("_")[0])
    if missing:
        src.problem(path, f"{render_path(path)}: no bundled font has the letters of "
                    f"{locale_id!r} ({''.join(missing[:8])}…), so certificates would print blank "
                    "boxes; expected a language the kit's Noto fonts cover (docs/certificates.md)")


def check_semantics(src: Source) -> None:
    """Cross-reference checks on data whose shape has been checked."""
    data = src.data
    languages = data.get("languages") or {}
    locale_ids = [loc.get("id") for _p, loc in items(src, "languages", "supported")]
    for path, loc in items(src, "languages", "supported"):
        if isinstance(loc.get("id"), str) and not _babel_knows(loc["id"]):
            src.problem(path + ("id",), f"{render_path(path + ('id',))}: Babel does not know "
                        f"locale {loc['id']!r}; expected a CLDR locale id like en_IN")
        elif isinstance(loc.get("id"), str):
            _check_font(src, path + ("id",), loc["id"])
    default = languages.get("default")
    if isinstance(default, str):
        if default not in locale_ids:
            src.problem(("languages", "default"), f"languages.default: {default!r} is not in "
                        f"languages.supported; expected one of: {', '.join(map(str, locale_ids))}")
        lang_codes = {str(i).split("_")[0] for i in locale_ids}
        _lang_maps(src, default.split("_")[0], lang_codes | {"en"})

    country = data.get("country") or {}
    tz = country.get("timezone")
    if isinstance(tz, str) and tz not in known_timezones():
        src.problem(("country", "timezone"), f"country.timezone: unknown time zone {tz!r}; "
                    "expected an IANA name like Asia/Kolkata")
    _check_country_codes(src, country)
    region = (data.get("phone") or {}).get("region")
    if isinstance(region, str):
        import phonenumbers

        if region not in phonenumbers.SUPPORTED_REGIONS:
            src.problem(("phone", "region"), f"phone.region: phonenumbers does not know region "
                        f"{region!r}; expected an alpha-2 region like IN")

    _check_documents(src)
    unique(src, items(src, "admin_levels"), "key", "level key")
    unique(src, items(src, "genders"), "code", "gender code")
    vaccines = unique(src, items(src, "vaccines"), "id", "vaccine id")
    for path, vac in items(src, "vaccines"):
        low, high = vac.get("min_age"), vac.get("max_age")
        if isinstance(low, int) and isinstance(high, int) and high < low:
            src.problem(path + ("max_age",), f"{render_path(path + ('max_age',))}: {high} is "
                        f"below min_age {low}; expected max_age >= min_age")
    groups = unique(src, items(src, "eligibility", "priority_groups"), "id", "group id")
    scheduled = check_schedules(src, vaccines)
    check_boosters(src, vaccines, groups, scheduled)
    check_unused_vaccines(src, vaccines)
    for path, phase in items(src, "eligibility", "phases"):
        check_known(src, path + ("groups",), phase.get("groups"), groups, "priority group")
    _check_emblem(src)
    _check_demo_age_bands(src)
    certs = data.get("certificates") or {}
    if isinstance(certs.get("languages"), list):
        known_langs = {str(i).split("_")[0] for i in locale_ids}
        check_known(src, ("certificates", "languages"), certs["languages"], known_langs,
               "profile language")


def _check_demo_age_bands(src: Source) -> None:
    """demo.session_age_bands: each band has max_age >= min_age (or none), overlaps no other
    and fits the age range of at least one vaccine (else no session could carry it)."""
    vaccines = [v for _p, v in items(src, "vaccines")]
    seen: list[tuple[tuple, int, float]] = []
    for path, band in items(src, "demo", "session_age_bands"):
        low, high = band.get("min_age"), band.get("max_age")
        if not isinstance(low, int) or not (high is None or isinstance(high, int)):
            continue
        where = render_path(path)
        if high is not None and high < low:
            src.problem(path + ("max_age",), f"{where}.max_age: {high} is below min_age {low}; "
                        "expected max_age >= min_age")
            continue
        top = float("inf") if high is None else high
        for other, other_low, other_top in seen:
            if low <= other_top and other_low <= top:
                src.problem(path, f"{where}: ages {low}-{'' if high is None else high} overlap "
                            f"{render_path(other)}; expected bands that do not overlap")
        seen.append((path, low, top))
        if not any(isinstance(v.get("min_age", 0), int) and low >= (v.get("min_age") or 0)
                   and (v.get("max_age") is None or top <= v["max_age"]) for v in vaccines):
            src.problem(path, f"{where}: no vaccine is given at ages {low}-"
                        f"{'' if high is None else high}; expected a band within one vaccine's "
                        "min_age and max_age")


#: Largest emblem file: it is embedded in every certificate PDF and appointment slip.
MAX_EMBLEM_BYTES = 256 * 1024


def _check_emblem(src: Source) -> None:
    """branding.emblem names a PNG file inside the profile folder."""
    branding = src.data.get("branding")
    name = branding.get("emblem") if isinstance(branding, dict) else None
    if not isinstance(name, str):
        return
    folder = Path(src.file).resolve().parent
    path = (folder / name).resolve()
    where = ("branding", "emblem")
    if not path.is_relative_to(folder) or not path.is_file():
        src.problem(where, f"branding.emblem: {name} not found in {folder}; expected a PNG file "
                    "in the profile folder (e.g. branding/emblem.png)")
        return
    if path.stat().st_size > MAX_EMBLEM_BYTES:
        src.problem(where, f"branding.emblem: {name} has {path.stat().st_size:,} bytes; "
                    f"expected at most {MAX_EMBLEM_BYTES:,} (it goes into every certificate)")
        return
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, size = image.format, image.size
    except (UnidentifiedImageError, OSError):
        kind, size = None, (0, 0)
    if kind != "PNG":
        src.problem(where, f"branding.emblem: {name} is not a PNG image; expected a PNG file")
    elif min(size) < 32:
        src.problem(where, f"branding.emblem: {name} is {size[0]}x{size[1]} pixels; expected at "
                    "least 32x32 (128x128 or more prints sharply)")


def _check_country_codes(src: Source, country: dict) -> None:
    import pycountry

    alpha2, alpha3 = country.get("alpha2"), country.get("alpha3")
    if isinstance(alpha2, str):
        found = pycountry.countries.get(alpha_2=alpha2)
        if found is None:
            src.problem(("country", "alpha2"), f"country.alpha2: unknown ISO 3166-1 code "
                        f"{alpha2!r}; expected a code like IN")
        elif isinstance(alpha3, str) and found.alpha_3 != alpha3:
            src.problem(("country", "alpha3"), f"country.alpha3: {alpha3!r} does not match "
                        f"alpha2 {alpha2}; expected {found.alpha_3!r}")
    currency = country.get("currency")
    if isinstance(currency, str) and pycountry.currencies.get(alpha_3=currency) is None:
        src.problem(("country", "currency"), f"country.currency: unknown ISO 4217 code "
                    f"{currency!r}; expected a code like INR")


def _check_documents(src: Source) -> None:
    default = str((src.data.get("languages") or {}).get("default", "en")).split("_")[0]
    unique(src, items(src, "identity_documents"), "id", "document id")
    for path, raw in items(src, "identity_documents"):
        reason = checks.problem_with(raw.get("check"))
        if reason:
            src.problem(path + ("check",), f"{render_path(path + ('check',))}: {reason}")
            continue
        encodes = raw.get("encodes") if isinstance(raw.get("encodes"), list) else []
        missing = [e for e in encodes if e not in checks.decodes(raw.get("check"))]
        if missing:
            name = checks.split_spec(raw.get("check"))[0]
            src.problem(path + ("encodes",), f"{render_path(path + ('encodes',))}: check "
                        f"'{name}' does not decode {', '.join(map(str, missing))}; expected a "
                        f"subset of [{', '.join(sorted(checks.decodes(raw.get('check'))))}]")
        try:
            doc = build_id_document(raw, default)
        except Exception:  # the shape errors are reported already
            continue
        if isinstance(raw.get("example"), str):
            try:
                doc.validate(raw["example"])
            except InvalidIdDocument as exc:
                src.problem(path + ("example",), f"{render_path(path + ('example',))}: "
                            f"{raw['example']!r} fails the document's own rules "
                            f"({exc.text()}); expected a valid example")
        for index, bad in enumerate(raw.get("examples_invalid") or ()):
            try:
                doc.validate(bad)
            except InvalidIdDocument:
                continue
            src.problem(path + ("examples_invalid", index), f"{render_path(path)}."
                        f"examples_invalid[{index}]: {bad!r} passes the document's rules; "
                        "expected it to be rejected")


def validate_source(src: Source, complete: bool = True) -> None:
    """Check the parsed profile.yaml in place (problems are added to ``src.problems``).

    ``complete=False`` (loading an instance) lets whole sections be absent (defaults apply);
    what is present must still be right. ``profile validate`` always asks for completeness."""
    if src.data is None and not src.problems:
        src.problem((), "the file is empty; expected a profile mapping")
    if src.problems or src.data is None:
        return
    before = len(src.problems)
    src.complete = complete
    (PROFILE if complete else PARTIAL).check(src.data, (), src)
    if isinstance(src.data, dict) and len(src.problems) == before:
        check_semantics(src)
    elif isinstance(src.data, dict):
        # Report cross-reference problems too when the shape problems are local.
        try:
            check_semantics(src)
        except Exception:  # noqa: BLE001 - shape errors already explain what is wrong
            pass


def validate_folder(folder: Path, complete: bool = True) -> tuple[Source, list[Problem]]:
    """Validate a profile folder (profile.yaml + its areas file); return the source and problems."""
    src = parse(folder / "profile.yaml")
    validate_source(src, complete)
    problems = list(src.problems)
    if isinstance(src.data, dict) and (complete or "admin_levels" in src.data):
        problems += validate_areas(folder, src)
    problems += check_vaccine_codes(src)
    routine_src, routine_problems = validate_routine(folder)  # routine.yaml, when there is one
    problems += routine_problems + check_routine_codes(routine_src)
    return src, sorted(problems, key=lambda p: (p.file, p.line))


def validate_areas(folder: Path, src: Source) -> list[Problem]:
    """Check the profile's areas file against its admin levels and languages."""
    name = src.data.get("areas_file", "areas.csv")
    path = folder / name if isinstance(name, str) else folder / "areas.csv"
    if not path.is_file():
        return [Problem(src.file, src.line(("areas_file",)),
                        f"areas_file: {path.name} not found in {folder}; expected the areas CSV")]
    levels = [lv.get("key") for _p, lv in items(src, "admin_levels")]
    languages = {str(loc.get("id")).split("_")[0]
                 for _p, loc in items(src, "languages", "supported")} | {"en"}
    rows, problems = read_areas(path, levels, languages)
    alpha2 = (src.data.get("country") or {}).get("alpha2")
    for row in rows:
        if isinstance(alpha2, str) and row.iso_code and not row.iso_code.startswith(alpha2 + "-"):
            problems.append(Problem(str(path), row.line, f"iso_code: {row.iso_code!r} is not a "
                                    f"subdivision code of {alpha2}; expected {alpha2}-…"))
    return problems
