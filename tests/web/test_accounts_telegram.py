"""Telegram link codes from the dashboard: to every focal point of a subtree not yet linked
in one action, or to one; by email through the outbox and the relay (real SMTP on
loopback); the code in the email links the chat; the page then counts him as linked."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from store import channels, db, links
from store.base import utcnow
from store.enums import Channel
from store.models import AuditEntry, OutboxMessage, Person
from tests.fakes.smtp import FakeSMTP
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.support import login, post
from tests.web.test_accounts_invite import plain, relay, rows, unit_id
from web.app import create_app

BOT = "hanchot_thu_bot"
CODE = re.compile(r"https://t\.me/hanchot_thu_bot\?start=([A-Za-z0-9]+)")


def with_bot(site: Site, who: str, bot: str = BOT) -> TestClient:
    settings = dataclasses.replace(site.settings, telegram_bot_username=bot)
    app = create_app(settings, site.gateway)
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    login(client, ACCOUNTS[who][0], PASSWORD)
    return client


def bind(site: Site, key: str, chat: str) -> None:
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            person = session.scalar(sa.select(Person).where(Person.key == key))
            assert person is not None
            channels.bind_telegram(session, person.id, chat, None, utcnow())
    finally:
        engine.dispose()


def test_codes_to_the_unlinked_focal_points_of_a_subtree_in_one_action(site: Site) -> None:
    bind(site, "fp-xa-a1", "1001")
    client = with_bot(site, "coordinator")
    huyen_a = unit_id(site, "huyen-a")
    page = client.get(f"/accounts/telegram?unit={huyen_a}").text
    assert "<b>1</b> trên <b>4</b>" in page  # huyen-a and its three communes
    assert "Đầu mối xa-b1" not in page

    form = {"calendar": "tinh-thu", "unit": str(huyen_a), "who": "unlinked"}
    answer = post(client, "/accounts/telegram/send", form, page="/accounts/telegram")
    assert answer.status_code == 303 and "sent=3" in answer.headers["location"]
    queued = rows(site, OutboxMessage, OutboxMessage.step.startswith("telegram-link:"))
    assert sorted(r.address for r in queued) == [
        "huyen-a@thu.example",
        "xa-a2@thu.example",
        "xa-a3@thu.example",
    ]
    assert {r.channel for r in queued} == {Channel.EMAIL}
    audited = rows(site, AuditEntry, AuditEntry.action == "telegram_link_sent")
    assert len(audited) == 3 and {a.actor for a in audited} == {"web:dieuphoi@thu.example"}

    smtp = FakeSMTP().start()
    try:
        assert asyncio.run(relay(site, smtp.port)) == 3
    finally:
        smtp.stop()
    [mail] = smtp.to("xa-a2@thu.example")
    code = CODE.search(plain(mail))
    assert code, plain(mail)
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            redeemed = links.redeem(session, code.group(1), "2002", "xa_a2")
            assert redeemed.refusal is None
    finally:
        engine.dispose()
    page = client.get(f"/accounts/telegram?unit={huyen_a}").text
    assert "<b>2</b> trên <b>4</b>" in page


def test_a_code_to_one_focal_point_and_never_outside_the_scope(site: Site) -> None:
    client = with_bot(site, "district_coordinator")  # huyen-b
    [inside] = rows(site, Person, Person.key == "fp-xa-b1")
    [outside] = rows(site, Person, Person.key == "fp-xa-a1")
    form = {"calendar": "tinh-thu", "person": str(outside.id)}
    answer = post(client, "/accounts/telegram/send", form, page="/accounts/telegram")
    assert answer.status_code == 404
    answer = post(
        client,
        "/accounts/telegram/send",
        {**form, "person": str(inside.id)},
        page="/accounts/telegram",
    )
    assert answer.status_code == 303 and "sent=1" in answer.headers["location"]
    queued = rows(site, OutboxMessage, OutboxMessage.step.startswith("telegram-link:"))
    assert [r.address for r in queued] == ["xa-b1@thu.example"]


def test_without_the_bot_name_nothing_is_sent_and_the_page_says_why(site: Site) -> None:
    client = with_bot(site, "coordinator", bot="")
    page = client.get("/accounts/telegram").text
    assert "TELEGRAM_BOT_USERNAME" in page
    answer = post(
        client, "/accounts/telegram/send", {"calendar": "tinh-thu"}, page="/accounts/telegram"
    )
    assert answer.status_code == 409
    assert rows(site, OutboxMessage, OutboxMessage.step.startswith("telegram-link:")) == []
