"""Report pages: staff only, limited to their area; exports stream; target upload reports lines."""

from __future__ import annotations

import io
import re

import openpyxl
import sqlalchemy as sa

from cowin_kit.core.models import AuditEntry
from cowin_kit.reporting.labels import local_today
from cowin_kit.reporting.reports import WASTAGE
from tests.reporting.conftest import make_staff, sign_in


def _doses(db, world):
    # the country's today: reports run to it (Peru's date lags UTC's for 5 hours)
    for area in ("S1-D1", "S1-D2", "S2-D1"):
        world.dose(world.person(), facility_area=area, vaccine="comirnaty", day=local_today())
    db.session.commit()


def test_reports_need_staff_and_stay_in_their_area(client, db, world):
    _doses(db, world)
    assert client.get("/staff/reports/").status_code == 302  # to the sign-in page
    north = make_staff(db, "area_admin", area=world.areas["S1"])
    sign_in(client, north)
    page = client.get("/staff/reports/coverage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "S1-D1" in html and "S1-D2" in html and "S2-D1" not in html
    assert client.get("/staff/reports/coverage?area=S2").status_code == 403
    assert client.get("/staff/reports/coverage?area=S1-D2").status_code == 200
    vaccinator = make_staff(db, "vaccinator", facility=world.facilities["S1-D1"])
    sign_in(client, vaccinator)
    assert client.get("/staff/reports/coverage").status_code == 403


def test_national_export_streams_xlsx_and_csv(client, db, world):
    _doses(db, world)
    sign_in(client, make_staff(db, "national_admin"))
    response = client.get("/staff/reports/coverage.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {"S1", "S2"}
    csv_text = client.get("/staff/reports/wastage.csv").get_data(as_text=True)
    header = csv_text.splitlines()[0].lstrip("\ufeff").split(",")
    assert len(header) == len(WASTAGE.columns)  # labels in the reader's language
    due = client.get("/staff/reports/dose2_due.csv")
    assert due.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "report.export")) == 1


def test_target_upload_lists_line_errors_and_saves_nothing(client, db, world):
    from cowin_kit.reporting.models import TargetPopulation

    sign_in(client, make_staff(db, "area_admin", area=world.areas["S1"]))

    form = client.get("/staff/reports/targets").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)

    def upload(text):
        return client.post("/staff/reports/targets", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(text.encode()), "targets.csv"),
                                 "csrf_token": token})

    bad = upload("area_code,age_band,population\nS1-D1,all,10\nS2,all,5\nS1-D2,all,x\n")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    errors = html.split("data-errors", 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<tr><td>(\d+)</td>", errors) == ["3", "4"]  # S2 is outside, x is no number
    assert db.session.scalar(sa.select(sa.func.count(TargetPopulation.id))) == 0
    good = upload("area_code,age_band,population\nS1-D1,all,10\nS1-D2,18-44,5\n")
    assert good.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(TargetPopulation.id))) == 2
