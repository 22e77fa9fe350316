"""Country profiles: what makes an instance Indian, Vietnamese or Peruvian is data, not code.

Public face used by the rest of the kit:

- ``load_profile(ref, profiles_dir)`` -> ``Profile`` (raises ``ProfileError``)
- ``get_profile()`` -> the ``Profile`` of the current app (loaded once per app, lazily)
- ``phones``, ``identity``, ``schedule``: mobiles, identity documents, the dose schedule engine
"""

from __future__ import annotations

from flask import current_app

from .loader import Profile, ProfileError, list_profiles, load_profile, resolve_profile_dir

__all__ = ["Profile", "ProfileError", "load_profile", "resolve_profile_dir", "get_profile",
           "list_profiles"]


def get_profile() -> Profile:
    """Return the current app's country profile, loading it on first use."""
    app = current_app._get_current_object()
    profile = app.extensions.get("cowin_profile")
    if profile is None:
        profile = load_profile(app.config["PROFILE"], app.config["PROFILES_DIR"])
        app.extensions["cowin_profile"] = profile
    return profile
