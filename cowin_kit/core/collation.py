"""Sorting names the way each language does (ICU collation, CLDR's rules per language).

Python's ``sorted`` orders by code point: Ukrainian "Івано-Франківська" (І is U+0406) would come
before "Вінницька" and "Ґ" after "Я"; Spanish "Ñ", Vietnamese "Đ" and accented letters land
apart from their neighbours. Every list of names people read — area selects, facility lists,
report rows — goes through ``sort_by_name`` so it follows the reader's language.

PyICU binds the system's ICU (Debian: ``libicu-dev`` and ``pkg-config`` to build it). A collator
is made once per locale and kept; ICU collators are safe to share for comparisons.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TypeVar

from cowin_kit.core.i18n import current_locale_id

T = TypeVar("T")


@functools.lru_cache(maxsize=32)
def _collator(locale_id: str):
    import icu

    return icu.Collator.createInstance(icu.Locale(locale_id or "root"))


def _reader_locale() -> str:
    from flask import has_app_context

    if not has_app_context():
        return "root"

    try:
        return current_locale_id()
    except Exception:  # no request, or a broken profile: the language-neutral order
        return "root"


def collation_key(locale_id: str | None = None) -> Callable[[str], bytes]:
    """A sort key for names in a locale (the reader's when None): ``sorted(names, key=…)``."""
    collator = _collator(locale_id or _reader_locale())
    return lambda text: collator.getSortKey(text or "")


def sort_by_name(items: Iterable[T], name: Callable[[T], str] = str,
                 locale_id: str | None = None) -> list[T]:
    """Return ``items`` ordered by ``name(item)`` in the reader's (or ``locale_id``'s) language."""
    key = collation_key(locale_id)
    return sorted(items, key=lambda item: key(name(item)))
