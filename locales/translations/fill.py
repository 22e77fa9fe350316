"""Fill the catalogs locales/<lang>/LC_MESSAGES/messages.po from the translation tables here.

Each language has a folder ``locales/translations/<lang>/`` of Python modules (one per area of
the kit: common, accounts, booking…), each with a dict ``T``::

    T = {
        "Book": "बुक करें",                                       # msgid -> msgstr
        ("%(num)s centre", "%(num)s centres"): ["…", "…"],        # plural: one string per form
        "session status\x04Open": "खुला",                           # msgctxt "\x04" msgid
    }

Usage (after ``cowin-kit i18n extract && cowin-kit i18n update``)::

    python locales/translations/fill.py hi ar          # write the tables into the catalogs
    python locales/translations/fill.py --todo hi      # list messages the tables lack, by area

Entries whose msgid is no longer in the catalog are reported as unused (safe to delete).
A message already translated in the .po but absent from the tables is kept as it is.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
LOCALES = HERE.parent


def load_tables(language: str) -> dict:
    table: dict = {}
    for module in sorted((HERE / language).glob("*.py")):
        entries = runpy.run_path(str(module)).get("T", {})
        for key in entries:
            if key in table:
                print(f"{module.name}: duplicate entry {key!r}", file=sys.stderr)
        table.update(entries)
    return table


def area_of(message) -> str:
    """The kit's domain a message comes from (its first source location)."""
    if not message.locations:
        return "common"
    parts = message.locations[0][0].split("/")
    domain = parts[1] if len(parts) > 2 else "common"
    return domain if domain in {"accounts", "booking", "vaccination", "certificates",
                                "reporting", "registration"} else "common"


def fill(language: str, todo: bool = False) -> int:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    table = load_tables(language)
    used, missing = set(), {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else tuple(message.id)
        if message.context:  # pgettext: "Open" (a button) and "Open" (a session's status) differ
            key = (f"{message.context}\x04{key}" if isinstance(key, str)
                   else (f"{message.context}\x04{key[0]}", key[1]))
        if key in table:
            used.add(key)
            value = table[key]
            message.string = tuple(value) if isinstance(key, tuple) else value
            message.flags.discard("fuzzy")
        elif not (message.string if isinstance(message.string, str) else all(message.string)) \
                or message.fuzzy:
            missing.setdefault(area_of(message), []).append(key)
    for key in sorted(set(table) - used, key=str):
        print(f"{language}: unused entry {key!r}", file=sys.stderr)
    if todo:
        for area, keys in sorted(missing.items()):
            print(f"# --- {language}/{area}.py ---")
            for key in keys:
                print(f"    {key!r}: {'[]' if isinstance(key, tuple) else repr('')},")
        return sum(len(k) for k in missing.values())
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)
    count = sum(len(k) for k in missing.values())
    print(f"{path}: {len(used)} from tables, {count} still untranslated")
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="+")
    parser.add_argument("--todo", action="store_true", help="only list what is missing")
    args = parser.parse_args(argv)
    missing = sum(fill(language, args.todo) for language in args.languages)
    return 1 if missing and not args.todo else 0


if __name__ == "__main__":
    sys.exit(main())
