"""Run the PyPI `cowin` wrapper unchanged against a cowin-kit instance (host replaced)."""

import sys

from cowin_api import CoWinAPI
from cowin_api.constants import Constants

host = sys.argv[1].rstrip("/")
for name in [n for n in vars(Constants) if n.endswith("_url")]:
    setattr(Constants, name, getattr(Constants, name).replace("https://cdn-api.co-vin.in", host))

api = CoWinAPI()
states = api.get_states()
assert isinstance(states, dict) and states["states"], states
print(f"states: {len(states['states'])}")
found = None
for state in states["states"]:
    districts = api.get_districts(state["state_id"])
    assert isinstance(districts, dict), districts
    for district in districts["districts"]:
        available = api.get_availability_by_district(str(district["district_id"]))
        assert isinstance(available, dict), available
        if available["centers"]:
            found = (state, district, available)
            break
    if found:
        break
assert found, "no district with sessions"
state, district, available = found
centre = available["centers"][0]
session = centre["sessions"][0]
print(f"{state['state_name']} / {district['district_name']}: {len(available['centers'])} centres; "
      f"{centre['name']} {session['date']} {session['vaccine']} "
      f"dose1={session['available_capacity_dose1']} slots={session['slots']}")
by_pin = api.get_availability_by_pincode(str(centre["pincode"]))
assert isinstance(by_pin, dict) and any(c["center_id"] == centre["center_id"] for c in by_pin["centers"]), by_pin
print(f"pincode: {centre['pincode']}")
print("wrapper client: OK")
