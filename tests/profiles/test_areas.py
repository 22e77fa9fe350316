"""Areas: import from the profile or a CSV (idempotent upsert by code, materialised paths,
per-row errors that import nothing), queries and `cowin-kit areas import`."""

from __future__ import annotations

import sqlalchemy as sa

import pytest

from cowin_kit.areas import queries
from cowin_kit.areas.models import Area
from cowin_kit.areas.operations import AreaImportFailed, import_areas

HEADER = "code,parent_code,level,name,name_en,name_hi,iso_code,timezone,effective_date\n"


def write(tmp_path, body, name="extra.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_profile_import_builds_paths_and_is_idempotent(app, db):
    from cowin_kit.profiles import get_profile

    profile = get_profile()
    first = import_areas(profile)
    assert (first.created, first.updated, first.unchanged) == (804, 0, 0)  # CoWIN's 756 districts
    again = import_areas(profile)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 804)
    states = queries.first_level()
    assert len(states) == 36 and all(s.level == 1 and s.level_key == "state" for s in states)
    kerala = queries.get_by_code("IN-KL")
    assert kerala.path == f"/{kerala.id}/" and kerala.iso_code == "IN-KL"
    assert kerala.display_name("en") == "Kerala" and kerala.name == "केरल"
    districts = queries.second_level(kerala.id)
    assert len(districts) == 14
    tvm = queries.get_by_code("IN-KL-TVM")
    assert tvm.path == f"/{kerala.id}/{tvm.id}/"
    blocks = queries.children(tvm)
    assert len(blocks) == 11 and all(b.path == f"{tvm.path}{b.id}/" for b in blocks)
    below = queries.descendants(kerala)
    assert len(below) == 25 and kerala not in below
    assert len(queries.descendants(kerala, include_self=True, level=3)) == 11
    assert [a.code for a in queries.ancestors(blocks[0])] == ["IN-KL", "IN-KL-TVM"]
    assert queries.is_within(blocks[0], kerala) and not queries.is_within(kerala, blocks[0])
    ids = set(db.session.execute(queries.scope_ids(tvm)).scalars())
    assert ids == {tvm.id, *(b.id for b in blocks)}
    assert queries.by_code("NOPE") is None
    assert len(queries.descendants(queries.get_by_code("IN-MH"), level=2)) == 36
    assert get_profile().timezone_for(blocks[0]) == "Asia/Kolkata"


def test_csv_adds_children_updates_names_and_moves(app, db, tmp_path):
    from cowin_kit.profiles import get_profile

    import_areas(get_profile())
    extra = write(tmp_path, "IN-DL-NEW-A,IN-DL-NEW,block,ए,Block A,ए,,,2024-01-01\n"
                            "IN-KL-TVM-VAR,IN-KL-TVM,block,वर्कला,Varkala Block,वर्कला,,,\n")
    result = import_areas(extra)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    new_delhi = queries.get_by_code("IN-DL-NEW")
    block = queries.get_by_code("IN-DL-NEW-A")
    assert block.parent_id == new_delhi.id and block.path == f"{new_delhi.path}{block.id}/"
    assert block.effective_date.isoformat() == "2024-01-01"
    assert queries.get_by_code("IN-KL-TVM-VAR").names["en"] == "Varkala Block"
    # Moving a block to another district rewrites its path (and would its children's).
    moved = write(tmp_path, "IN-DL-NEW-A,IN-DL-SOU,block,ए,Block A,ए,,,2024-01-01\n", "m.csv")
    assert import_areas(moved).updated == 1
    db.session.expire_all()
    south = queries.get_by_code("IN-DL-SOU")
    assert queries.get_by_code("IN-DL-NEW-A").path == f"{south.path}{block.id}/"


def test_a_bad_row_imports_nothing_and_names_the_line(app, db, tmp_path):
    bad = write(tmp_path, "IN-XA,,state,क,A,क,,,\n"
                          "IN-XA-1,IN-XA,district,ख,B,ख,,,\n"
                          "IN-XA-2,IN-XQ,district,ग,C,ग,,,\n"
                          "IN-XA-1,IN-XA,district,घ,D,घ,,,\n"
                          "IN-XA-3,IN-XA,village,ङ,E,ङ,,,\n")
    with pytest.raises(AreaImportFailed) as info:
        import_areas(bad)
    messages = [str(p) for p in info.value.problems]
    assert messages[0].startswith(f"{bad}:4: parent_code: unknown parent 'IN-XQ'")
    assert messages[1].startswith(f"{bad}:5: code: duplicate code 'IN-XA-1' (first on line 3)")
    assert messages[2].startswith(f"{bad}:6: level: unknown level 'village'; expected one of: "
                                  "state, district, block")
    assert info.value.code == "AREAS_INVALID" and info.value.status == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(Area)).scalar() == 0


def test_areas_import_command(make_app, runner, tmp_path, monkeypatch):
    from cowin_kit.cli import cli

    app = make_app()
    monkeypatch.setenv("COWIN_KIT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("COWIN_KIT_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("COWIN_KIT_SECRET_KEY", "test")
    result = runner.invoke(cli, ["areas", "import", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would import 804 areas: 804 new" in result.output
    result = runner.invoke(cli, ["areas", "import"])
    assert result.exit_code == 0, result.output
    assert "imported 804 areas: 804 new, 0 updated, 0 unchanged" in result.output
    bad = write(tmp_path, "IN-KL-X,IN-KL-NOPE,block,x,x,x,,,\n")
    result = runner.invoke(cli, ["areas", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: parent_code: unknown parent 'IN-KL-NOPE'" in result.output
    assert "nothing was imported" in result.output
    result = runner.invoke(cli, ["areas", "list", "--parent", "IN-KL-TVM"])
    assert result.exit_code == 0 and len(result.output.strip().splitlines()) == 11
    assert "\tIN-KL-TVM-VAR\tblock\tVarkala\n" in result.output


def test_cowin_ids_are_checked(app, db, tmp_path):
    from cowin_kit.profiles.areafile import read_areas

    path = tmp_path / "ids.csv"
    path.write_text(
        "code,parent_code,level,name,cowin_id,cowin_name\n"
        "A,,state,Aa,8 37,Old A|Old B\n"
        "B,,state,Bb,37,\n"
        "C,,state,Cc,x1,\n"
        "D,,state,Dd,4,One|Two\n"
        "E,,state,Ee,,Named\n"
        "F,A,district,Ff,8,\n", encoding="utf-8")
    rows, problems = read_areas(path, ["state", "district"])
    assert [p.line for p in problems] == [3, 4, 5, 6]
    assert "cowin_id: 37 already given on line 2" in problems[0].message
    assert "not a list of positive integers" in problems[1].message
    assert "2 name(s) for 1 id(s)" in problems[2].message
    assert "given without cowin_id" in problems[3].message
    first = next(r for r in rows if r.code == "A")
    assert first.cowin_ids == (8, 37) and first.cowin_names == ("Old A", "Old B")
    assert next(r for r in rows if r.code == "F").cowin_ids == (8,)  # another level: allowed
