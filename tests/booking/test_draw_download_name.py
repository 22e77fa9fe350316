"""Review of #21: draw.json's download name is the session's canonical id. The session id in
the URL is read by uuid.UUID, which also takes "urn:uuid:…", braces and, for an id whose hex
starts with 0, the other 31 digits with a newline around them: echoed into the
Content-Disposition header, a newline made werkzeug refuse the header (a 500)."""

from __future__ import annotations

import datetime as dt


def test_the_download_is_named_by_the_canonical_session_id(client, make_session):
    from cowin_kit.booking import lottery

    for _ in range(400):  # an id whose hex starts with 0 (one in 16)
        session = make_session(capacities={"1": 1})
        if session.id.hex.startswith("0"):
            break
    assert session.id.hex.startswith("0")
    lot = lottery.open_round(None, session, hours=1,
                             now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
    lottery.draw(lot)
    expected = f'attachment; filename="lottery-{session.id}.json"'
    for spelling in (f"urn:uuid:{session.id}", f"{{{session.id}}}", session.id.hex[1:] + "%0A",
                     "%0A" + session.id.hex[1:]):
        response = client.get(f"/api/kit/v1/lottery/{spelling}/draw.json")
        assert response.status_code == 200, spelling
        assert response.headers["Content-Disposition"] == expected
