"""Citizen-journey fixtures."""

from __future__ import annotations

import pytest

from tests.citizen.helpers import sign_up


@pytest.fixture
def account(app):
    """A citizen account created by a real OTP sign-in."""
    return sign_up()

