"""Lottery release (#21): the draw is reproducible from what is published, priority tiers come
first, no one gets two slots, lapsed offers go to the next in the draw, and a 2,000-way burst
of requests on PostgreSQL draws exactly as the same requests made one by one."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from cowin_kit.booking.fair_models import LotteryRequest, LotteryRound
from cowin_kit.booking.models import Appointment, SessionCapacity


def _opened(lottery_module, session, now):
    return lottery_module.open_round(None, session, hours=24, confirm_hours=12,
                                     now=now - dt.timedelta(hours=1))


@pytest.fixture
def now():
    from cowin_kit.core.db import utcnow

    return utcnow()


def test_draw_is_reproducible_from_the_published_json_and_tampering_is_caught(
        make_session, make_beneficiary, db, now):
    from cowin_kit.booking import lottery, lottery_draw

    session = make_session(capacities={"1": 3})
    lot = _opened(lottery, session, now)
    assert lot.seed_commitment == lottery_draw.commitment(lot.seed)
    before = lottery.summary(lot)
    assert before["seed"] is None and before["commitment"] == lot.seed_commitment
    people = [make_beneficiary() for _ in range(10)]
    for person in people:
        lottery.enter(person, session.id, channel="web", now=now)
    with pytest.raises(Exception) as early:
        lottery.draw(lot, now=now)
    assert getattr(early.value, "code", "") == "LOTTERY_NOT_CLOSED"
    lottery.draw(lot, now=lot.closes_at)
    published = json.loads(json.dumps(lottery.published(lot)))
    assert lottery_draw.verify(published) == []
    assert len(published["first_offers"]) == 3
    text = json.dumps(published)
    for person in people:  # nothing personal is published
        assert person.name not in text and person.reference_id not in text
    forged = copy.deepcopy(published)
    forged["order"][0], forged["order"][1] = forged["order"][1], forged["order"][0]
    assert "the published order" in " ".join(lottery_draw.verify(forged))
    other_seed = copy.deepcopy(published)
    other_seed["seed"] = "00" * 32
    assert any("commitment" in p for p in lottery_draw.verify(other_seed))
    offered = db.session.scalar(sa.select(sa.func.count()).select_from(LotteryRequest).where(
        LotteryRequest.status == "offered"))
    assert offered == 3
    from cowin_kit.core.models import SmsMessage

    texts = db.session.scalars(sa.select(SmsMessage.body).where(
        SmsMessage.purpose == "lottery_offer")).all()
    assert len(texts) == 3 and all(session.facility.name in t for t in texts)


def test_verify_cli_checks_a_published_file(make_session, make_beneficiary, runner, app, now,
                                            tmp_path):
    from cowin_kit.booking import lottery
    from cowin_kit.cli import cli

    session = make_session(capacities={"1": 1})
    lot = _opened(lottery, session, now)
    for _ in range(3):
        lottery.enter(make_beneficiary(), session.id, channel="api", now=now)
    lottery.draw(lot, now=lot.closes_at)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(lottery.published(lot)))
    result = runner.invoke(cli, ["lottery", "verify", str(path)], obj=None)
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    data = json.loads(path.read_text())
    data["first_offers"] = list(reversed(data["order"]))[:1]
    path.write_text(json.dumps(data))
    result = runner.invoke(cli, ["lottery", "verify", str(path)])
    assert result.exit_code == 1 and "MISMATCH" in result.output


def test_scheduled_run_draws_closed_rounds_and_passes_lapsed_offers_on(
        make_session, make_beneficiary, runner, app, database_url, db):
    from cowin_kit.booking import lottery, lottery_draw
    from cowin_kit.cli import cli
    from cowin_kit.core.db import utcnow

    session = make_session(capacities={"1": 1})
    lot = lottery.open_round(None, session, hours=1, now=utcnow() - dt.timedelta(hours=2))
    db.session.execute(sa.update(LotteryRound).where(LotteryRound.id == lot.id).values(
        opens_at=utcnow() - dt.timedelta(hours=3)))
    db.session.commit()
    people = [make_beneficiary() for _ in range(2)]
    for person in people:  # entered while the window was open
        db.session.add(LotteryRequest(
            round_id=lot.id, beneficiary_id=person.id, tier=0, dose_kind="1", dose_number=1,
            channel="web", status="entered",
            ticket=lottery_draw.ticket(lot.ticket_key, person.id)))
    db.session.commit()
    env = {"COWIN_KIT_DATABASE_URL": database_url, "COWIN_KIT_SECRET_KEY": "test-secret-key",
           "COWIN_KIT_PROFILE": "in", "COWIN_KIT_REDIS_URL": ""}
    result = runner.invoke(cli, ["lottery", "run"], env=env)
    assert result.exit_code == 0, result.output
    assert "drawn 1 round" in result.output
    db.session.expire_all()
    assert db.session.get(LotteryRound, lot.id).status == "drawn"
    first = db.session.scalar(sa.select(LotteryRequest).where(LotteryRequest.status == "offered"))
    db.session.execute(sa.update(LotteryRequest).where(LotteryRequest.id == first.id).values(
        offer_expires_at=utcnow() - dt.timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(cli, ["lottery", "run"], env=env)
    assert "1 lottery offer(s)" in result.output, result.output
    db.session.expire_all()
    statuses = dict(db.session.execute(sa.select(LotteryRequest.beneficiary_id,
                                                 LotteryRequest.status)).all())
    assert sorted(statuses.values()) == ["expired", "offered"]


def test_priority_tier_from_dated_phases_goes_first(make_session, make_beneficiary, db, now):
    from cowin_kit.booking import lottery

    session = make_session(capacities={"1": 2}, min_age=18)
    lot = _opened(lottery, session, now)
    workers = []
    for _ in range(2):
        worker = make_beneficiary(age=30)
        worker.groups = ["health_worker"]
        db.session.commit()
        workers.append(worker)
    elders = [make_beneficiary(age=70) for _ in range(3)]
    young = [make_beneficiary(age=25) for _ in range(20)]
    for person in young + elders + workers:
        lottery.enter(person, session.id, channel="web", now=now)
    tiers = dict(db.session.execute(sa.select(LotteryRequest.beneficiary_id,
                                              LotteryRequest.tier)).all())
    assert tiers[workers[0].id] == 0 and tiers[elders[0].id] == 2
    assert tiers[young[0].id] > tiers[elders[0].id]
    lottery.draw(lot, now=lot.closes_at)
    offered = set(db.session.scalars(sa.select(LotteryRequest.beneficiary_id).where(
        LotteryRequest.status == "offered")))
    assert offered == {w.id for w in workers}


def test_asking_twice_gives_one_ticket_and_a_booked_person_is_refused(
        make_session, make_beneficiary, db, now):
    from cowin_kit.booking import lottery, operations
    from cowin_kit.core.errors import KitError

    session = make_session(capacities={"1": 2})
    lottery_round = _opened(lottery, session, now)
    person = make_beneficiary()
    first = lottery.enter(person, session.id, channel="web", now=now)
    again = lottery.enter(person, session.id, channel="api", now=now)
    assert first.id == again.id and first.ticket == again.ticket
    other = make_session(capacities={"1": 5})
    booked = make_beneficiary()
    operations.book(booked, other.id, other.slots[0])
    with pytest.raises(KitError) as refused:
        lottery.enter(booked, session.id, channel="web", now=now)
    assert refused.value.code == "ALREADY_BOOKED"
    # A direct booking of a lottery session is refused, and changes nothing.
    with pytest.raises(KitError) as direct:
        operations.book(make_beneficiary(), session.id, session.slots[0])
    assert direct.value.code == "LOTTERY_SESSION"
    assert lottery_round.status == "open"


def test_no_one_gets_two_slots_across_rounds_and_lapsed_offers_move_on(
        make_session, make_beneficiary, db, now):
    from cowin_kit.booking import lottery
    from cowin_kit.core.errors import KitError

    # Sessions two and three days ahead: offers are confirmed when the rounds close (23 hours
    # from now), which for a session of tomorrow is after its first slot from 12:00 local on.
    a, b = make_session(days=2, capacities={"1": 3}), make_session(days=3, capacities={"1": 3})
    round_a, round_b = _opened(lottery, a, now), _opened(lottery, b, now)
    people = [make_beneficiary() for _ in range(6)]
    for person in people:  # everyone asks in both
        lottery.enter(person, a.id, channel="web", now=now)
        lottery.enter(person, b.id, channel="web", now=now)
    lottery.draw(round_a, now=round_a.closes_at)
    lottery.draw(round_b, now=round_b.closes_at)
    offers = list(db.session.scalars(sa.select(LotteryRequest).where(
        LotteryRequest.status == "offered")))
    holders = Counter(r.beneficiary_id for r in offers)
    assert len(offers) == 6 and set(holders.values()) == {1}  # six people, one offer each
    # Confirm one, let one lapse, decline one: the next in the draw gets each freed dose.
    first, lapsing, declining = [r for r in offers if r.round_id == round_a.id][:3]
    appointment = lottery.confirm(first, a.slots[0], now=round_a.closes_at)
    assert appointment.channel == "web" and appointment.status == "booked"
    with pytest.raises(KitError):
        lottery.confirm(first, a.slots[0], now=round_a.closes_at)  # once only
    lottery.decline(declining, now=round_a.closes_at)
    assert lottery.expire_offers(now=round_a.closes_at + dt.timedelta(hours=13)) >= 1
    db.session.expire_all()
    statuses = Counter(db.session.scalars(sa.select(LotteryRequest.status).where(
        LotteryRequest.round_id == round_a.id)))
    assert statuses["confirmed"] == 1
    booked = Counter(db.session.scalars(sa.select(Appointment.beneficiary_id).where(
        Appointment.status == "booked")))
    assert set(booked.values()) <= {1}
    # The capacity counter agrees with the appointments.
    assert db.session.scalar(sa.select(SessionCapacity.booked).where(
        SessionCapacity.session_id == a.id)) == 1


def _outcome(db, round_id):
    db.session.expire_all()
    rows = db.session.execute(sa.select(LotteryRequest.beneficiary_id, LotteryRequest.rank,
                                        LotteryRequest.status, LotteryRequest.ticket).where(
        LotteryRequest.round_id == round_id)).all()
    return sorted(tuple(r) for r in rows)


def _many_people(db, n):
    """``n`` adults without an account, inserted in one statement."""
    from cowin_kit.booking.rules import local_now
    from cowin_kit.profiles import get_profile
    from cowin_kit.registration.models import Beneficiary

    year = local_now(get_profile()).year - 30
    base = random.Random(n).randrange(10**9, 10**10)
    rows = [{"reference_id": f"{base + i:014d}", "name": f"Burst {i}", "birth_year": year,
             "gender": "M", "id_doc_type": "test", "id_hash": f"{base + i:064x}",
             "id_masked": "XXXX0000", "groups": []} for i in range(n)]
    db.session.execute(sa.insert(Beneficiary), rows)
    db.session.commit()
    return list(db.session.scalars(sa.select(Beneficiary.id).where(
        Beneficiary.name.like("Burst %")).order_by(Beneficiary.id)))


@pytest.mark.postgres
def test_2000_way_burst_draws_exactly_as_serial_requests(make_app, make_session,
                                                        make_beneficiary, db, app, now):
    """2,000 requests released at once from real threads on PostgreSQL (1,600 people, 400 of
    them asking twice) give the same tickets, ranks and offers as the same people asking one
    by one in another order, with the same seed."""
    from cowin_kit.booking import lottery
    from cowin_kit.registration.models import Beneficiary

    session = make_session(capacities={"1": 100})
    lot = _opened(lottery, session, now)
    people = _many_people(db, 1600)
    asks = people + people[:400]
    session_id = session.id  # read here: the threads must not touch this thread's objects
    racer = make_app(DB_POOL_SIZE=40, DB_MAX_OVERFLOW=0)
    barrier = threading.Barrier(len(asks))
    failures: list[str] = []

    def ask(beneficiary_id):
        with racer.app_context():
            from cowin_kit.core.db import db as rdb

            try:
                person = rdb.session.get(Beneficiary, beneficiary_id)
                rdb.session.commit()
                barrier.wait(timeout=300)
                lottery.enter(person, session_id, channel="api", now=now)
            except Exception as exc:  # noqa: BLE001 - any failure is reported
                failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                rdb.session.remove()

    threads = [threading.Thread(target=ask, args=(b,)) for b in asks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LotteryRequest)) == 1600
    lottery.draw(db.session.get(LotteryRound, lot.id), now=lot.closes_at)
    burst = _outcome(db, lot.id)

    # The same round again, the requests made one by one in a shuffled order.
    db.session.execute(sa.delete(LotteryRequest).where(LotteryRequest.round_id == lot.id))
    db.session.execute(sa.update(LotteryRound).where(LotteryRound.id == lot.id)
                       .values(status="open", drawn_at=None, drawn_capacity=None))
    db.session.commit()
    serial_order = list(people)
    random.Random(7).shuffle(serial_order)
    for beneficiary_id in serial_order:
        lottery.enter(db.session.get(Beneficiary, beneficiary_id), session.id, channel="api",
                      now=now)
    lottery.draw(db.session.get(LotteryRound, lot.id), now=lot.closes_at)
    assert _outcome(db, lot.id) == burst
    assert Counter(r[2] for r in burst) == Counter({"offered": 100, "not_drawn": 1500})
