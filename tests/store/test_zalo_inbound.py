"""The Zalo inbound queue (`store.zalo_inbound`) on SQLite and PostgreSQL, with processes
racing for it (threads, each with its own connection): every event is taken once, one
user's events never two at a time and always in the order they came, a repeated event
is stored once, a claim that ran out is taken over and the late owner writes nothing."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

from sqlalchemy import Engine

from store import db, zalo_inbound
from store.base import utcnow
from store.enums import ZaloEventStatus
from store.models import ZaloInbound

LEASE = timedelta(seconds=30)
USERS = [f"u{n}" for n in range(5)]
PER_USER = 12


def write(engine: Engine):  # type: ignore[no-untyped-def]
    return db.session_factory(engine, writes=True).begin()


def test_a_repeated_event_is_stored_once(engine: Engine) -> None:
    with write(engine) as session:
        assert zalo_inbound.accept(session, "u1:user_send_text:m1", "u1", "user_send_text", "{}")
        assert not zalo_inbound.accept(session, "u1:user_send_text:m1", "u1", "x", "{}")
    with write(engine) as session:
        assert session.query(ZaloInbound).count() == 1


def test_a_claim_that_ran_out_is_taken_over_and_its_late_owner_writes_nothing(
    engine: Engine,
) -> None:
    with write(engine) as session:
        zalo_inbound.accept(session, "k1", "u1", "user_send_text", "{}")
        zalo_inbound.accept(session, "k2", "u1", "user_send_text", "{}")
    with write(engine) as session:
        [first] = zalo_inbound.claim(session, "a", utcnow(), LEASE, 5)
        assert zalo_inbound.claim(session, "b", utcnow(), LEASE, 5) == []  # u1 is busy
    later = utcnow() + LEASE + timedelta(seconds=1)
    with write(engine) as session:
        [again] = zalo_inbound.claim(session, "b", later, LEASE, 5)
        assert (again.id, again.attempts) == (first.id, 2)
        assert not zalo_inbound.finish(session, first.id, "a", later)  # "a" woke up late
        assert zalo_inbound.finish(session, first.id, "b", later, error="RuntimeError: x")
    with write(engine) as session:
        [second] = zalo_inbound.claim(session, "a", later, LEASE, 5)  # failed: the next goes
        assert second.id != first.id
        assert zalo_inbound.counts(session)[ZaloEventStatus.FAILED] == 1


def test_processes_racing_take_each_event_once_and_each_user_in_order(engine: Engine) -> None:
    with write(engine) as session:
        for n in range(PER_USER):
            for user in USERS:
                zalo_inbound.accept(session, f"{user}:{n}", user, "user_send_text", str(n))
    guard = threading.Lock()
    busy: dict[str, str] = {}
    done: list[tuple[str, int]] = []
    faults: list[str] = []

    def process(name: str) -> None:
        rng = random.Random(name)
        idle = 0
        while idle < 20:
            try:
                with write(engine) as session:
                    taken = zalo_inbound.claim(session, name, utcnow(), LEASE, 2)
            except Exception as exc:  # a serialisation failure counts as a fault
                faults.append(f"{name}: {exc}")
                return
            if not taken:
                idle += 1
                time.sleep(0.01)
                continue
            idle = 0
            for event in taken:
                with guard:
                    if event.user_id in busy:
                        faults.append(f"{event.user_id} held by {busy[event.user_id]} and {name}")
                    busy[event.user_id] = name
                time.sleep(rng.random() * 0.005)
                with guard:
                    del busy[event.user_id]
                    done.append((event.user_id, int(event.body)))
                with write(engine) as session:
                    assert zalo_inbound.finish(session, event.id, name, utcnow())

    threads = [threading.Thread(target=process, args=(f"p{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert faults == []
    assert sorted(done) == sorted((u, n) for u in USERS for n in range(PER_USER))
    for user in USERS:
        assert [n for u, n in done if u == user] == list(range(PER_USER))
    with write(engine) as session:
        rows = session.query(ZaloInbound).all()
        assert all(r.status is ZaloEventStatus.DONE and r.attempts == 1 for r in rows)
