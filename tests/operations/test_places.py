"""accounts.places: the domains' registrations decide where an object is, and staff reach
follows them (accounts imports no domain above it)."""

from __future__ import annotations

import pytest

from cowin_kit.accounts import places
from cowin_kit.accounts.staff_permissions import in_scope, object_scope
from cowin_kit.booking.models import Facility, VaccinationSession
from cowin_kit.booking.scopes import session_scope

from .conftest import make_session


def test_booking_registers_its_facility_model_and_sessions(app, db, world):
    assert places.facility_model() is Facility
    session = make_session(db, world.facilities["FA"])
    assert places.place_of(session) is world.facilities["FA"]
    assert places.area_path(session) == world.areas["A1"].path
    assert places.facility_by_code("FB") is world.facilities["FB"]
    assert places.facility_by_code("NOPE") is None


def test_reach_follows_the_registered_place(app, db, world):
    session = make_session(db, world.facilities["FA"])
    staff = world.staff
    assert in_scope(staff["area_admin"], places.place_of(session))        # FA is in area A
    assert in_scope(staff["vaccinator"], session_scope(session_id=session.id))
    other = make_session(db, world.facilities["FB"])
    assert not in_scope(staff["vaccinator"], session_scope(session_id=other.id))
    assert not in_scope(staff["area_admin"], places.place_of(other))      # FB is in area B


def test_an_unregistered_object_has_no_place(app, world):
    class Stranger:
        pass

    with pytest.raises(TypeError, match="Stranger"):
        places.place_of(Stranger())


def test_object_scope_answers_404_for_an_unknown_row(app, world):
    import uuid

    from werkzeug.exceptions import NotFound

    scope = object_scope(VaccinationSession, "session_id")
    assert scope.__name__ == "vaccinationsession_scope"
    with app.test_request_context():
        with pytest.raises(NotFound):
            scope(session_id=uuid.uuid4())
