"""Review of #21: ``lottery_draw.verify`` (run by anyone on a downloaded draw.json) answers a
file that is not a draw with a problem, not a traceback, and refuses a draw whose "skipped"
list names tickets that never entered (a skip must be of an entry)."""

from __future__ import annotations

import json

import pytest

from cowin_kit.booking import lottery_draw

SEED = "11" * 32


def _draw(n=4, capacity=2, skipped=()):
    entries = sorted(({"ticket": f"{i:064x}", "tier": 0, "dose_kind": "1", "status": "x"}
                      for i in range(1, n + 1)), key=lambda e: e["ticket"])
    order = lottery_draw.draw_order(SEED, entries)
    kinds = {e["ticket"]: "1" for e in entries}
    return {"format": lottery_draw.FORMAT, "seed": SEED,
            "commitment": lottery_draw.commitment(SEED), "entries": entries, "order": order,
            "capacity": {"1": capacity}, "skipped": list(skipped),
            "first_offers": lottery_draw.first_offers(order, kinds, {"1": capacity}, skipped)}


def test_a_genuine_draw_checks_out():
    assert lottery_draw.verify(_draw()) == []


@pytest.mark.parametrize("data", [[], "draw", 42, None])
def test_something_else_than_a_draw_is_a_problem_not_a_crash(data):
    problems = lottery_draw.verify(data)
    assert problems and "not a published draw" in problems[0]


def test_the_cli_says_so_for_a_json_list(runner, app, tmp_path):
    from cowin_kit.cli import cli

    path = tmp_path / "draw.json"
    path.write_text(json.dumps([1, 2]))
    result = runner.invoke(cli, ["lottery", "verify", str(path)])
    assert result.exit_code == 1 and "not a published draw" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_skipping_a_ticket_that_never_entered_is_a_mismatch():
    forged = _draw(skipped=["ff" * 32])
    assert any("skipped" in p for p in lottery_draw.verify(forged))


def test_a_rank_depends_on_every_request_of_the_round():
    """Whoever can read the seed (the database, a backup) still cannot rank anyone before the
    window closes: the order of two tickets changes with the other requests of the round."""
    import hashlib

    first, second = (hashlib.sha256(b"a").hexdigest(), hashlib.sha256(b"b").hexdigest())
    orders = set()
    for n in range(40):
        others = [{"ticket": hashlib.sha256(f"other{n}-{i}".encode()).hexdigest(), "tier": 0}
                  for i in range(3)]
        order = lottery_draw.draw_order(SEED, [{"ticket": first, "tier": 0},
                                               {"ticket": second, "tier": 0}, *others])
        orders.add(order.index(first) < order.index(second))
    assert orders == {True, False}
