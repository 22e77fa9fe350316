"""Country profiles: what makes an instance Indian, Vietnamese or Peruvian is data, not code.

Public face used by the rest of the kit:

- ``load_profile(ref, profiles_dir)`` -> ``Profile`` (raises ``ProfileError``)
- ``get_profile()`` -> the ``Profile`` of the current app (loaded once per app, lazily)
- ``phones``, ``identity``, ``schedule``: mobiles, identity documents, the dose schedule engine
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

from flask import current_app

from .loader import Profile, ProfileError, list_profiles, load_profile, resolve_profile_dir

__all__ = ["Profile", "ProfileError", "load_profile", "resolve_profile_dir", "get_profile",
           "list_profiles"]


#: Set while this thread loads a profile: validating it renders localised messages, whose locale
#: selection asks for the profile again; that nested call must not start a second load.
_loading: ContextVar[bool] = ContextVar("cowin_profile_loading", default=False)


class ProfileNotReady(RuntimeError):
    """The profile is being loaded by this very thread (callers fall back to defaults)."""


#: One load per app at a time: the threads of a worker that all start with the profile
#: unloaded (its first requests, a rush on a fresh pod) wait for one load instead of each
#: parsing and validating the whole profile under the GIL.
_load_lock = threading.Lock()


def get_profile() -> Profile:
    """Return the current app's country profile, loading it on first use (once per app, however
    many threads ask at once; ``cowin_kit.wsgi`` loads it before a worker serves)."""
    app = current_app._get_current_object()
    profile = app.extensions.get("cowin_profile")
    if profile is None:
        if _loading.get():
            raise ProfileNotReady("the country profile is still loading")
        with _load_lock:
            profile = app.extensions.get("cowin_profile")
            if profile is None:
                token = _loading.set(True)
                try:
                    profile = load_profile(app.config["PROFILE"], app.config["PROFILES_DIR"])
                finally:
                    _loading.reset(token)
                app.extensions["cowin_profile"] = profile
        # A locale chosen while the profile was loading fell back to a default: choose again.
        from flask_babel import refresh

        refresh()
    return profile
