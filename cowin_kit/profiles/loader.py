"""Load a country profile folder (profile.yaml + areas.csv) into a typed, validated Profile."""

from __future__ import annotations

import copy
import threading
from pathlib import Path

from .model import LocaleInfo, Profile, ProfileError, build_profile
from .routine_checks import ROUTINE_FILE
from .routine_model import build_routine
from .yamlsrc import parse
from .validate import validate_folder

__all__ = ["LocaleInfo", "Profile", "ProfileError", "load_profile", "resolve_profile_dir",
           "list_profiles"]

_cache: dict[tuple, dict] = {}  # file versions -> validated data
_lock = threading.Lock()
MAX_REPORTED = 10


def resolve_profile_dir(ref: str, profiles_dir: str | Path) -> Path:
    """Turn a profile code ("in") or a path into the profile's folder."""
    candidate = Path(ref)
    if candidate.is_dir() and (candidate / "profile.yaml").is_file():
        return candidate
    if candidate.name == "profile.yaml" and candidate.is_file():
        return candidate.parent
    folder = Path(profiles_dir) / ref.lower()
    if (folder / "profile.yaml").is_file():
        return folder
    known = list_profiles(profiles_dir)
    raise ProfileError(
        f"country profile '{ref}' not found in {profiles_dir}; "
        f"use one of: {', '.join(known) or '(none)'} or a path to a profile folder"
    )


def list_profiles(profiles_dir: str | Path) -> list[str]:
    """Codes of the profiles shipped in ``profiles_dir``."""
    return sorted(p.parent.name for p in Path(profiles_dir).glob("*/profile.yaml"))


def _stamp(folder: Path) -> tuple:
    files = [folder / "profile.yaml", folder / ROUTINE_FILE, *sorted(folder.glob("*.csv"))]
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file())


def load_profile(ref: str, profiles_dir: str | Path) -> Profile:
    """Load and validate a profile; raise ProfileError listing its problems (file:line).

    Validation runs once per file version; every call builds its own Profile from a copy of
    the data, so one app (or test) changing its profile cannot affect another."""
    folder = resolve_profile_dir(ref, profiles_dir).resolve()
    key = _stamp(folder)
    with _lock:
        data = _cache.get(key)
    if data is None:
        src, problems = validate_folder(folder, complete=False)
        if problems:
            shown = "; ".join(str(p) for p in problems[:MAX_REPORTED])
            more = (f" (and {len(problems) - MAX_REPORTED} more)"
                    if len(problems) > MAX_REPORTED else "")
            raise ProfileError(f"country profile '{folder.name}' is not valid: {shown}{more}. "
                               f"Run: cowin-kit profile validate {folder}")
        routine = folder / ROUTINE_FILE
        data = {"profile": src.data,
                "routine": parse(routine).data if routine.is_file() else None}
        with _lock:
            _cache[key] = data
    profile = build_profile(folder.name, folder, copy.deepcopy(data["profile"]))
    if data["routine"] is not None:  # validated with the profile (routine_checks.py)
        profile.routine = build_routine(copy.deepcopy(data["routine"]))
    return profile
