"""Babel catalog workflow: extract, update, compile and check the catalogs under locales/.

Settings live in one place: ``locales/babel.cfg`` (what to extract from) and the constants
below (keywords, domain). The source language is English: its catalog mirrors the msgids so
that an integrator can still override a wording for one country.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from cowin_kit import __version__

DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
KEYWORDS = {
    "_": None, "gettext": None, "_l": None, "lazy_gettext": None,
    "ngettext": (1, 2), "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ["TRANSLATORS:"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{(\w*)[^{}]*\}|%[sdif]")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _method_map(cfg: Path) -> tuple[list[tuple[str, str]], dict]:
    """Read babel.cfg into Babel's method map (paths relative to the source root)."""
    method_map, options_map = [], {}
    section = None
    for raw in cfg.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            method, pattern = line.strip("[]").split(":", 1)
            section = pattern.strip()
            method_map.append((section, method.strip()))
            options_map[section] = {}
        elif "=" in line and section:
            key, value = (s.strip() for s in line.split("=", 1))
            options_map[section][key] = value
    return method_map, options_map


def extract(source_root: Path, locales_dir: Path, echo=print) -> Path:
    """Extract every translatable message from Python and Jinja2 sources into messages.pot."""
    method_map, options_map = _method_map(locales_dir / "babel.cfg")
    catalog = Catalog(project="cowin-kit", version=__version__, charset="utf-8",
                      msgid_bugs_address="translations@cowin-kit.org")
    count = 0
    for filename, lineno, message, comments, context in extract_from_dir(
            str(source_root), method_map, options_map, keywords=KEYWORDS,
            comment_tags=COMMENT_TAGS, strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
        count += 1
    pot = locales_dir / f"{DOMAIN}.pot"
    _write_if_changed(pot, catalog)
    echo(f"extracted {len(catalog)} messages ({count} occurrences) into {pot}")
    return pot


_STAMP = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): [^"]*"$', re.M)


def _write_if_changed(path: Path, catalog: Catalog) -> bool:
    """Write a catalog unless only its time stamps would change (no churn for translators)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True)
    new = buffer.getvalue()
    if path.exists() and _STAMP.sub(b"", path.read_bytes()) == _STAMP.sub(b"", new):
        return False
    path.write_bytes(new)
    return True


def catalog_paths(locales_dir: Path) -> list[Path]:
    return sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


def update(locales_dir: Path, languages: list[str] | None = None, echo=print,
           only: list[str] | None = None) -> None:
    """Merge messages.pot into each catalog (creating catalogs for new languages); with
    ``only``, touch just those languages (translators working in parallel)."""
    pot_path = locales_dir / f"{DOMAIN}.pot"
    existing = {p.parent.parent.name for p in catalog_paths(locales_dir)}
    chosen = set(only) if only else existing | set(languages or [])
    for language in sorted(chosen):
        path = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.exists():
            catalog = _read(path, language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project="cowin-kit", version=__version__)
        catalog.update(_read(pot_path), no_fuzzy_matching=False)  # fresh: update shares messages
        catalog.obsolete.clear()
        if language == SOURCE_LANGUAGE:
            for message in catalog:
                # A fuzzy guess from a similar msgid is never right for the source language.
                if message.id and (message.fuzzy or not (
                        message.string if isinstance(message.string, str) else all(message.string))):
                    message.string = message.id
                    message.flags.discard("fuzzy")
        echo(f"{'updated' if _write_if_changed(path, catalog) else 'unchanged'} {path}")


def override_catalog_paths(profiles_dir: Path) -> list[Path]:
    """Per-country catalogs: ``<profiles_dir>/<cc>/locales/<lang>/LC_MESSAGES/messages.po``."""
    return sorted(Path(profiles_dir).glob(f"*/locales/*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogs(locales_dir: Path, echo=print, force: bool = False,
                     profiles_dir: Path | None = None) -> int:
    """Compile .po to .mo where the .mo is missing or older; return how many were written.

    With ``profiles_dir``, the per-country catalogs of every profile are compiled too."""
    written = 0
    extra = override_catalog_paths(profiles_dir) if profiles_dir else []
    for po in catalog_paths(locales_dir) + extra:
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = _read(po, po.parent.parent.name)
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written += 1
        echo(f"compiled {mo}")
    return written


def _header_nplurals(catalog: Catalog) -> int | None:
    for key, value in catalog.mime_headers:
        if key.lower() == "plural-forms":
            match = re.search(r"nplurals\s*=\s*(\d+)", value)
            return int(match.group(1)) if match else None
    return None


def placeholders(text: str) -> set[str]:
    """The named and positional placeholders in a message: %(name)s, {name}, %s."""
    found = set()
    for match in PLACEHOLDER.finditer(text or ""):
        if match.group(1):
            found.add(f"%({match.group(1)})")
        elif match.group(0).startswith("{"):
            found.add(f"{{{match.group(2)}}}")
        else:
            found.add(match.group(0))
    return found


def profile_languages(profiles_dir: Path) -> dict[str, list[Path]]:
    """Language (e.g. 'hi') -> profiles listing it."""
    found: dict[str, list[Path]] = {}
    for path in sorted(profiles_dir.glob("*/profile.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            locales = [loc.get("id") for loc in data["languages"]["supported"]]
        except (yaml.YAMLError, KeyError, TypeError, AttributeError):
            continue  # `cowin-kit profile validate` reports broken profiles
        for locale_id in locales:
            if locale_id:
                found.setdefault(str(locale_id).split("_")[0], []).append(path)
    return found


def check(locales_dir: Path, profiles_dir: Path,
          languages: list[str] | None = None) -> list[Problem]:
    """Find missing, fuzzy, stale or broken translations and languages without a catalog.

    ``languages`` (e.g. ``["en", "hi", "ar"]``) limits the check to those languages. Per-country
    catalogs (``country_profiles/<cc>/locales/``) may be partial, but what they hold must be
    right: known messages, no fuzzy entries, same placeholders, the language's plural forms."""
    wanted = {lang.split("_")[0] for lang in languages} if languages else None
    problems: list[Problem] = []
    pot_path = locales_dir / f"{DOMAIN}.pot"
    template_ids = set()
    if pot_path.exists():
        template_ids = {m.id if isinstance(m.id, str) else m.id[0]
                        for m in _read(pot_path) if m.id}
    else:
        problems.append(Problem(pot_path, 1, "no template: run 'cowin-kit i18n extract'"))
    catalogs = {p.parent.parent.name: p for p in catalog_paths(locales_dir)}
    if wanted is not None:
        catalogs = {lang: path for lang, path in catalogs.items() if lang in wanted}
    for language, listing in profile_languages(profiles_dir).items():
        if wanted is not None and language not in wanted:
            continue
        if language not in catalogs:
            where = ", ".join(str(p) for p in listing)
            problems.append(Problem(listing[0], 1, f"language '{language}' is listed by {where} "
                                    f"but has no catalog {locales_dir}/{language}/LC_MESSAGES/"
                                    f"{DOMAIN}.po; run 'cowin-kit i18n update --add {language}' "
                                    "and translate it"))
    for language, path in catalogs.items():
        problems.extend(_check_catalog(language, path, template_ids))
    for path in override_catalog_paths(profiles_dir):
        language = path.parent.parent.name
        if wanted is None or language.split("_")[0] in wanted:
            problems.extend(_check_catalog(language, path, template_ids, partial=True))
    return problems


def _check_catalog(language: str, path: Path, template_ids: set[str],
                   partial: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return [Problem(path, 1, f"'{language}' is not a locale Babel (CLDR) knows")]
    expected_plurals = get_plural(locale).num_plurals
    catalog = _read(path, language)
    header_plurals = _header_nplurals(catalog)
    # Babel fills a missing header from the locale, so look at the file itself.
    if partial and not re.search(r'^"Plural-Forms:', path.read_text(encoding="utf-8"), re.M):
        # Loaded last, an override catalog's plural rule replaces the shared one's.
        problems.append(Problem(path, 1, f"no Plural-Forms header: add "
                                f"'Plural-Forms: {get_plural(locale).plural_forms}'"))
    if header_plurals is not None and header_plurals != expected_plurals:
        problems.append(Problem(path, 1, f"Plural-Forms header says nplurals={header_plurals}, "
                                f"{language} needs {expected_plurals} "
                                f"({get_plural(locale).plural_forms})"))
    seen = set()
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        seen.add(key)
        line = message.lineno or 1
        label = key if len(key) <= 60 else key[:57] + "..."
        if partial and template_ids and key not in template_ids:
            problems.append(Problem(path, line, f"'{label}' is not a message of the kit (any more): "
                                    "fix the msgid or remove the entry"))
            continue
        if message.fuzzy:
            problems.append(Problem(path, line, f"fuzzy translation of '{label}': review it and "
                                    "remove the fuzzy flag"))
            continue
        if isinstance(message.id, (list, tuple)):
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else []
            if len(strings) != expected_plurals:
                problems.append(Problem(path, line, f"'{label}' has {len(strings)} plural forms, "
                                        f"{language} needs {expected_plurals}"))
            if not all(strings):
                problems.append(Problem(path, line, f"missing translation of '{label}'"))
                continue
            wanted = placeholders(message.id[0]) | placeholders(message.id[1])
            for form in strings:
                if not placeholders(form) <= wanted:
                    problems.append(Problem(path, line, f"placeholders of '{label}' do not match: "
                                            f"expected {sorted(wanted)}, got {sorted(placeholders(form))}"))
                    break
            continue
        if not message.string:
            problems.append(Problem(path, line, f"missing translation of '{label}'"))
            continue
        want, got = placeholders(message.id), placeholders(message.string)
        if want != got:
            problems.append(Problem(path, line, f"placeholders of '{label}' do not match: "
                                    f"expected {sorted(want)}, got {sorted(got)}"))
    if partial:
        return problems
    for missing in sorted(template_ids - seen):
        problems.append(Problem(path, 1, f"catalog is out of date: '{missing[:60]}' is not in it; "
                                "run 'cowin-kit i18n update'"))
    return problems
