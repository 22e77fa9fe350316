"""Citizen-journey fixtures."""

from __future__ import annotations

import pytest

from tests.citizen.helpers import sign_up


@pytest.fixture
def account(app):
    """A citizen account created by a real OTP sign-in."""
    return sign_up()


@pytest.fixture
def make_app(make_app):  # TEMPORARY until the India profile lands
    import os

    def factory(**overrides):
        if os.environ.get("CITIZEN_PROFILES_DIR"):
            overrides.setdefault("PROFILES_DIR", os.environ["CITIZEN_PROFILES_DIR"])
        return make_app(**overrides)

    return factory
