"""Login under attack (issue 12, item 4): guesses are delayed where they come from, never
by an account lock anyone can trigger; the answers say nothing about which accounts
exist; the CSRF cookie is a new one after login; a flood of attempts gives no 500 and
does not hold another process's writes."""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import sqlite3
import time
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from store import db, login_throttle
from store.base import utcnow
from store.models import LoginThrottle
from tests.web.browser import free_port
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.support import CSRF_RE, csrf, login
from web.server import serving

ATTACKER = "203.0.113.5"
OWNER = "198.51.100.7"
WRONG = "sai-mat-khau-1"


def _client(site: Site, address: str) -> TestClient:
    return TestClient(
        site.app,  # type: ignore[arg-type]
        base_url="http://127.0.0.1:8000",
        client=(address, 40000),
    )


def _try(client: TestClient, email: str, password: str) -> int:
    token = csrf(client)
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code


def _pile_on(site: Site, email: str, address: str, n: int = 5) -> None:
    """Five more failures through the store's own call, after those made over HTTP: the
    delay (then 32 s) outlasts however slowly the next request arrives on a busy machine.
    Alone they stay under every rule's free count, so the HTTP failures must have counted."""
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            for _ in range(n):
                login_throttle.failed(session, email, address, utcnow())
    finally:
        engine.dispose()


def test_guesses_delay_the_guessing_address_not_the_owner(any_site: Site) -> None:
    email = ACCOUNTS["coordinator"][0]
    attacker = _client(any_site, ATTACKER)
    codes = [_try(attacker, email, WRONG) for _ in range(login_throttle.PAIR.free + 1)]
    assert codes == [401] * (login_throttle.PAIR.free + 1)
    _pile_on(any_site, email, ATTACKER)
    assert _try(attacker, email, PASSWORD) == 429  # delayed, even with the right password
    token = csrf(attacker)
    delayed = attacker.post("/login", data={"email": email, "password": WRONG, "csrf_token": token})
    assert "Đăng nhập sai nhiều lần. Hãy thử lại sau" in delayed.text
    assert 1 <= int(delayed.headers["retry-after"]) <= 32
    assert _try(_client(any_site, OWNER), email, PASSWORD) == 303  # no lockout


def test_unknown_and_existing_accounts_answer_alike(site: Site) -> None:
    def run(email: str, address: str) -> list[tuple[int, str]]:
        client = _client(site, address)
        out = []
        for n in range(login_throttle.PAIR.free + 2):
            if n == login_throttle.PAIR.free + 1:
                _pile_on(site, email, address)
            token = csrf(client)
            answer = client.post(
                "/login", data={"email": email, "password": WRONG, "csrf_token": token}
            )
            text = re.sub("[0-9a-f]{64}", "", answer.text).replace(email, "EMAIL")  # tokens
            out.append((answer.status_code, re.sub(r"\d+ giây", "N giây", text)))
        return out

    assert run(ACCOUNTS["viewer"][0], "192.0.2.1") == run("khong-co@thu.example", "192.0.2.2")


def test_many_addresses_against_one_account_leave_its_usual_address_working(
    site: Site,
) -> None:
    email = ACCOUNTS["coordinator"][0]
    assert _try(_client(site, OWNER), email, PASSWORD) == 303  # its usual desk
    for n in range(login_throttle.ACCOUNT.free + 1):
        assert _try(_client(site, f"10.0.{n // 250}.{n % 250 + 1}"), email, WRONG) == 401
    _pile_on(site, email, "10.9.9.9")
    assert _try(_client(site, "192.0.2.99"), email, PASSWORD) == 429  # a new address waits
    assert _try(_client(site, OWNER), email, PASSWORD) == 303


def test_one_address_guessing_many_accounts_is_delayed(site: Site) -> None:
    attacker = _client(site, ATTACKER)
    for n in range(login_throttle.ADDRESS.free + 1):
        assert _try(attacker, f"doan-{n}@thu.example", WRONG) == 401
    _pile_on(site, "doan-x@thu.example", ATTACKER)
    assert _try(attacker, ACCOUNTS["viewer"][0], PASSWORD) == 429
    assert _try(_client(site, OWNER), ACCOUNTS["viewer"][0], PASSWORD) == 303


def test_a_colleague_guessing_from_a_shared_address_does_not_hold_up_its_usual_users(
    site: Site,
) -> None:
    office = "192.0.2.50"  # one NAT address for the whole office
    email = ACCOUNTS["coordinator"][0]
    assert _try(_client(site, office), email, PASSWORD) == 303
    for n in range(login_throttle.ADDRESS.free + 1):
        assert _try(_client(site, office), f"doan-{n}@thu.example", WRONG) == 401
    _pile_on(site, "doan-x@thu.example", office)
    assert _try(_client(site, office), ACCOUNTS["viewer"][0], PASSWORD) == 429  # never here
    assert _try(_client(site, office), email, PASSWORD) == 303


def test_delays_are_shared_by_every_dashboard_process(site: Site) -> None:
    """The count lives in the store: a second app on the same database sees it."""
    from web.app import create_app

    email = ACCOUNTS["viewer"][0]
    for _ in range(login_throttle.PAIR.free + 1):
        _try(_client(site, ATTACKER), email, WRONG)
    _pile_on(site, email, ATTACKER)
    other = create_app(site.settings, site.gateway)
    try:
        client = TestClient(other, base_url="http://127.0.0.1:8000", client=(ATTACKER, 1))
        assert _try(client, email, PASSWORD) == 429
    finally:
        other.state.hanchot.engine.dispose()


def test_the_delay_doubles_and_stops_at_its_ceiling() -> None:
    rule = login_throttle.PAIR
    delays = [rule.delay(rule.free + n).total_seconds() for n in range(0, 14)]
    assert delays[:5] == [0, 1, 2, 4, 8]
    assert max(delays) == login_throttle.MAX_DELAY.total_seconds() == delays[-1]


def test_a_hash_with_older_parameters_is_replaced_at_login(site: Site) -> None:
    from argon2 import PasswordHasher

    from store.models import WebUser
    from web.passwords import needs_rehash

    email = ACCOUNTS["viewer"][0]
    old = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(PASSWORD)
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            session.execute(
                sa.update(WebUser).where(WebUser.email == email).values(password_hash=old)
            )
        assert _try(_client(site, OWNER), email, PASSWORD) == 303
        with db.session_factory(engine)() as session:
            now = session.scalar(sa.select(WebUser.password_hash).where(WebUser.email == email))
    finally:
        engine.dispose()
    assert now is not None and now != old and not needs_rehash(now)
    assert _try(_client(site, OWNER), email, PASSWORD) == 303


def test_login_gives_a_new_csrf_cookie(site: Site) -> None:
    planted = "a" * 40  # an attacker's cookie, set before the victim logs in
    client = _client(site, OWNER)
    client.cookies.set("hanchot_csrf", planted)
    token = csrf(client)
    answer = client.post(
        "/login",
        data={"email": ACCOUNTS["coordinator"][0], "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    fresh = answer.cookies.get("hanchot_csrf")
    assert fresh and fresh != planted
    # the attacker's token for his cookie no longer passes
    refused = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 403


def test_a_csrf_cookie_planted_after_login_gives_the_attacker_no_token(site: Site) -> None:
    """Someone who can set our cookies (a sibling subdomain) plants one whose token he
    learnt by opening the login page with it; once the victim is logged in, the token is
    also bound to the session he cannot see."""
    planted = "p" * 40
    attacker = _client(site, ATTACKER)
    attacker.cookies.set("hanchot_csrf", planted)
    known = csrf(attacker)  # the token for the planted cookie, without a session
    victim = _client(site, OWNER)
    login(victim, ACCOUNTS["coordinator"][0], PASSWORD)
    victim.cookies.delete("hanchot_csrf")
    victim.cookies.set("hanchot_csrf", planted)
    forged = victim.post("/logout", data={"csrf_token": known}, follow_redirects=False)
    assert forged.status_code == 403
    assert (
        victim.post(
            "/logout", data={"csrf_token": csrf(victim, "/")}, follow_redirects=False
        ).status_code
        == 303
    )


# --- the flood -------------------------------------------------------------------------------


def _other_writer(path: str, stop: Any, out: Any) -> None:
    """Another hanchot process writing to the same SQLite file at a worker's pace, each
    write trying for the lock once: it counts how often it found the lock held."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    done = held = 0
    while not stop.is_set() or done < 5:
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO other_writes VALUES (?)", (done,))
            conn.execute("COMMIT")
            done += 1
        except sqlite3.OperationalError:
            held += 1
        time.sleep(0.02)
    conn.close()
    out.put((done, held))


async def test_a_login_flood_gives_no_500_and_does_not_hold_other_writers(site: Site) -> None:
    path = str(site.settings.database_url).removeprefix("sqlite:///")
    # The writer's table is made here, waiting for the lock like any set-up: made by the
    # writer with its no-wait connection, a write of the app's at that moment killed it.
    with sqlite3.connect(path, timeout=30) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS other_writes (n INTEGER)")
    setup.close()
    ctx = multiprocessing.get_context("spawn")
    stop, out = ctx.Event(), ctx.Queue()
    writer = ctx.Process(target=_other_writer, args=(path, stop, out))
    writer.start()
    port = free_port()
    try:
        async with serving(site.app, port=port) as base:  # type: ignore[arg-type]

            async def attempt(n: int) -> int:
                async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                    page = await client.get("/login")
                    found = CSRF_RE.search(page.text)
                    assert found is not None
                    email = ACCOUNTS["viewer"][0] if n % 2 else f"ai-{n}@thu.example"
                    answer = await client.post(
                        "/login",
                        data={"email": email, "password": WRONG, "csrf_token": found.group(1)},
                    )
                    return answer.status_code

            codes = await asyncio.gather(*(attempt(n) for n in range(60)))
    finally:
        stop.set()
        writer.join(60)
    done, held = out.get(timeout=5)
    assert set(codes) <= {401, 429} and 500 not in codes
    # The lock is taken for a few upserts, never for a password check: the other
    # process mostly finds it free (before: held for 83% of its tries, now about 12%).
    assert held * 3 <= done + held, (done, held)
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine)() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle))
    engine.dispose()
