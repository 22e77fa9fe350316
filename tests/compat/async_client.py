"""Run the PyPI `cowin-async` client unchanged against a cowin-kit instance: its base URL is
the only thing replaced (a subclass overriding the ``base_url`` property the client exposes)."""

import datetime as dt
import re
import subprocess
import sys

from cowin.api import Cowin

host, cli = sys.argv[1].rstrip("/"), sys.argv[2]
MOBILE = "9876543210"


class LocalCowin(Cowin):
    @property
    def base_url(self):
        return f"{host}/api/v2"


def otp() -> str:
    out = subprocess.run([cli, "sms", "outbox", "--mobile", MOBILE, "--limit", "1"],
                         capture_output=True, text=True, check=True).stdout
    return re.search(r"\b(\d{6})\b", out).group(1)


api = LocalCowin()
states = api.get_states()["states"]
hindi = {s["state_id"]: s.get("state_name_l") for s in api.get_states("hi_IN")["states"]}
print(f"states: {len(states)}; e.g. {states[0]['state_name']} / {hindi[states[0]['state_id']]}")
districts = api.get_districts(states[0]["state_id"])["districts"]
print(f"districts of {states[0]['state_name']}: {len(districts)}")
pincode = sys.argv[3]
today = dt.date.today().strftime("%d-%m-%Y")
centres = api.get_available_sessions_by_pincode(pincode, today)["centers"]
assert centres, f"no centres for PIN {pincode}"
print(f"PIN {pincode}: {len(centres)} centres, first {centres[0]['name']}")
txn = api.get_otp(MOBILE)["txnId"]
token = api.confirm_otp(txn, otp())["token"]
assert token.count(".") == 2
print("signed in with OTP")
print("cowin-async client: OK")
