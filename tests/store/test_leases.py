"""Leases (`store.leases`) and the leader that holds one (`notifier.leader`), on SQLite
and PostgreSQL: one holder at a time, renewals only by the holder at its epoch, a lease
that runs out taken by the next process, a released one at once; many processes racing
for a free lease, exactly one wins."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from activities.store_access import StoreAccess
from notifier.leader import Leader, leading
from store import db, leases
from store.models import Lease

TTL = timedelta(seconds=30)


def write(engine: Engine):  # type: ignore[no-untyped-def]
    return db.session_factory(engine, writes=True).begin()


def age(engine: Engine, name: str, by: timedelta) -> None:
    """Move the lease's end into the past: what the clock does when its holder is gone."""
    with write(engine) as session:
        lease = session.get(Lease, name)
        assert lease is not None
        lease.expires_at -= by


def test_one_holder_then_the_next_when_it_runs_out(engine: Engine) -> None:
    with write(engine) as session:
        first = leases.acquire(session, "mailbox", "a", TTL)
    with write(engine) as session:
        assert leases.acquire(session, "mailbox", "b", TTL) is None
        assert leases.holder(session, "mailbox") == first
    assert first is not None and first.epoch == 1

    age(engine, "mailbox", TTL + timedelta(seconds=1))
    with write(engine) as session:
        assert leases.holder(session, "mailbox") is None
        second = leases.acquire(session, "mailbox", "b", TTL)
    assert second is not None and (second.holder, second.epoch) == ("b", 2)

    with write(engine) as session:  # the old holder comes back: too late
        assert leases.renew(session, first, TTL) is None
        assert leases.release(session, first) is False
        assert leases.acquire(session, "mailbox", "a", TTL) is None
        held = leases.holder(session, "mailbox")
    assert held is not None and held.holder == "b"


def test_the_holder_renews_and_a_release_frees_it_at_once(engine: Engine) -> None:
    with write(engine) as session:
        grant = leases.acquire(session, "telegram-polling", "a", TTL)
    assert grant is not None
    age(engine, "telegram-polling", TTL + timedelta(seconds=1))
    with write(engine) as session:  # run out, but nobody took it: still ours to renew
        renewed = leases.renew(session, grant, TTL)
    assert renewed is not None and renewed.epoch == grant.epoch
    with write(engine) as session:
        again = leases.acquire(session, "telegram-polling", "a", TTL)
    assert again is not None and again.epoch == grant.epoch  # re-taking your own: same epoch

    with write(engine) as session:
        assert leases.release(session, renewed)
    with write(engine) as session:
        taken = leases.acquire(session, "telegram-polling", "b", TTL)
    assert taken is not None and taken.epoch == grant.epoch + 1


def test_many_racing_for_a_free_lease_one_wins(engine: Engine) -> None:
    winners: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def race(who: str) -> None:
        start.wait()
        try:
            with write(engine) as session:
                if leases.acquire(session, "mailbox", who, TTL) is not None:
                    winners.append(who)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(f"p{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(winners) == 1


async def test_two_leaders_one_job_and_a_clean_stop_hands_it_over(engine: Engine) -> None:
    store = StoreAccess(engine)
    running: list[str] = []

    def hooks(who: str):  # type: ignore[no-untyped-def]
        async def gain() -> None:
            running.append(who)

        async def loss() -> None:
            running.remove(who)

        return gain, loss

    a, b = Leader(store, "mailbox", 3.0, "a"), Leader(store, "mailbox", 3.0, "b")
    first = leading(a, *hooks("a"))
    await first.__aenter__()
    await asyncio.sleep(0.3)
    async with leading(b, *hooks("b")):
        for _ in range(10):  # a keeps it across several renewals
            await asyncio.sleep(0.3)
            assert running == ["a"] and a.held and not b.held
        await first.__aexit__(None, None, None)  # a clean stop: the lease given up
        stopped = time.monotonic()
        while running != ["b"]:  # b tries every period (1 s) at most
            assert time.monotonic() - stopped < 1.5, running
            await asyncio.sleep(0.05)
    assert running == []


async def test_a_holder_that_cannot_renew_stops_before_its_lease_runs_out(
    engine: Engine,
) -> None:
    """The clock the job trusts runs out a third of the lifetime before the store's."""
    now = [100.0]
    store = StoreAccess(engine)
    leader = Leader(store, "mailbox", 30.0, "a", clock=lambda: now[0])
    assert await leader.step()
    now[0] += 19.0
    assert leader.held
    now[0] += 1.5  # 20.5 s after its last renewal: no longer trusted, though the row says 30
    assert not leader.held
    with db.session_factory(engine)() as session:
        held = leases.holder(session, "mailbox")
    assert held is not None and held.holder == "a"


@pytest.fixture
def postgres_only(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's clock")
    return db_url


def test_postgresql_leases_run_on_the_database_clock(postgres_only: str, engine: Engine) -> None:
    with write(engine) as session:
        grant = leases.acquire(session, "mailbox", "a", TTL)
        db_now = session.scalar(sa.select(sa.func.now()))
    assert grant is not None and db_now is not None
    assert grant.expires_at - db_now == TTL
