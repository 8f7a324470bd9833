"""Link codes from the dashboard's linking page: to every focal point of a subtree not yet
linked in one action, or to one; by email through the outbox and the relay (real SMTP on
loopback); the code in the email links a Telegram chat or a Zalo user, and the page then
counts him as linked on that channel. The email says each way that is configured."""

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
OA = "1234567890123456789"
PAGE = "/accounts/links"
CODE = re.compile(r"https://t\.me/hanchot_thu_bot\?start=([A-Za-z0-9]+)")


def with_bot(site: Site, who: str, bot: str = BOT, oa: str = "") -> TestClient:
    settings = dataclasses.replace(site.settings, telegram_bot_username=bot, zalo_oa_id=oa)
    app = create_app(settings, site.gateway)
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    login(client, ACCOUNTS[who][0], PASSWORD)
    return client


def bind(
    site: Site,
    key: str,
    chat: str,
    channel: Channel = Channel.TELEGRAM,
    order: tuple[str, ...] = (),
) -> None:
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            person = session.scalar(sa.select(Person).where(Person.key == key))
            assert person is not None
            channels.bind(session, person.id, channel, chat, None, utcnow())
            if order:
                person.channels = list(order)
    finally:
        engine.dispose()


def redeem(site: Site, code: str, user: str, channel: Channel) -> None:
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            assert links.redeem(session, code, user, None, channel=channel).refusal is None
    finally:
        engine.dispose()


def send_and_relay(site: Site, client: TestClient, form: dict[str, str]) -> FakeSMTP:
    answer = post(client, "/accounts/links/send", {"calendar": "tinh-thu", **form}, page=PAGE)
    assert answer.status_code == 303, answer.text
    smtp = FakeSMTP().start()
    try:
        asyncio.run(relay(site, smtp.port))
    finally:
        smtp.stop()
    return smtp


def test_codes_to_the_unlinked_focal_points_of_a_subtree_in_one_action(site: Site) -> None:
    bind(site, "fp-xa-a1", "1001")
    client = with_bot(site, "coordinator")
    huyen_a = unit_id(site, "huyen-a")
    page = client.get(f"/accounts/links?unit={huyen_a}").text
    assert "<b>4</b> cán bộ đầu mối: <b>1</b> đã liên kết Telegram." in page  # huyen-a + 3 communes
    assert "Đầu mối xa-b1" not in page

    form = {"calendar": "tinh-thu", "unit": str(huyen_a), "who": "unlinked"}
    answer = post(client, "/accounts/links/send", form, page="/accounts/links")
    assert answer.status_code == 303 and "sent=3" in answer.headers["location"]
    queued = rows(site, OutboxMessage, OutboxMessage.step.startswith("telegram-link:"))
    assert sorted(r.address for r in queued) == [
        "huyen-a@thu.example",
        "xa-a2@thu.example",
        "xa-a3@thu.example",
    ]
    assert {r.channel for r in queued} == {Channel.EMAIL}
    audited = rows(site, AuditEntry, AuditEntry.action == "link_code_sent")
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
    page = client.get(f"/accounts/links?unit={huyen_a}").text
    assert "<b>4</b> cán bộ đầu mối: <b>2</b> đã liên kết Telegram" in page


def test_a_code_to_one_focal_point_and_never_outside_the_scope(site: Site) -> None:
    client = with_bot(site, "district_coordinator")  # huyen-b
    [inside] = rows(site, Person, Person.key == "fp-xa-b1")
    [outside] = rows(site, Person, Person.key == "fp-xa-a1")
    form = {"calendar": "tinh-thu", "person": str(outside.id)}
    answer = post(client, "/accounts/links/send", form, page="/accounts/links")
    assert answer.status_code == 404
    answer = post(
        client,
        "/accounts/links/send",
        {**form, "person": str(inside.id)},
        page="/accounts/links",
    )
    assert answer.status_code == 303 and "sent=1" in answer.headers["location"]
    queued = rows(site, OutboxMessage, OutboxMessage.step.startswith("telegram-link:"))
    assert [r.address for r in queued] == ["xa-b1@thu.example"]


def test_with_neither_way_configured_nothing_is_sent_and_the_page_says_why(site: Site) -> None:
    client = with_bot(site, "coordinator", bot="")
    page = client.get("/accounts/links").text
    assert "TELEGRAM_BOT_USERNAME" in page and "ZALO_OA_ID" in page
    answer = post(client, "/accounts/links/send", {"calendar": "tinh-thu"}, page="/accounts/links")
    assert answer.status_code == 409
    assert rows(site, OutboxMessage, OutboxMessage.step.startswith("telegram-link:")) == []


def test_one_code_links_zalo_or_telegram_and_the_page_counts_each(any_site: Site) -> None:
    site = any_site
    bind(site, "fp-xa-a1", "1001")  # on Telegram already
    client = with_bot(site, "coordinator", oa=OA)
    huyen_a = unit_id(site, "huyen-a")
    page = client.get(f"{PAGE}?unit={huyen_a}").text
    counts = "<b>4</b> cán bộ đầu mối: <b>0</b> đã liên kết Zalo, <b>1</b> đã liên kết Telegram."
    assert counts in page and "<th>Zalo</th>" in page
    assert "chưa liên kết Zalo trong nhánh này (4 người)" in page

    smtp = send_and_relay(site, client, {"unit": str(huyen_a), "who": "no_zalo"})
    assert len(smtp.messages) == 4  # the Telegram-linked one too: not on Zalo yet
    [mail] = smtp.to("xa-a2@thu.example")
    body = plain(mail)
    assert str(mail["Subject"]).startswith("Liên kết Zalo hoặc Telegram")
    assert f"mở https://zalo.me/{OA} trên máy có Zalo" in body and 'bấm "Quan tâm"' in body
    assert "gửi mã này cho OA" in body
    code = body.split("tin nhắn chỉ gồm mã: ")[1].split()[0]
    assert f"https://t.me/{BOT}?start={code}" in body  # the same code, the other way
    assert "(cho Zalo hoặc Telegram)" in body and "dd/mm" not in body
    redeem(site, code, "8413567890123456789", Channel.ZALO)

    page = client.get(f"{PAGE}?unit={huyen_a}").text
    assert "<b>1</b> đã liên kết Zalo, <b>1</b> đã liên kết Telegram." in page
    smtp = send_and_relay(site, client, {"unit": str(huyen_a), "who": "unlinked"})
    assert sorted(m["To"] for m in smtp.messages) == ["huyen-a@thu.example", "xa-a3@thu.example"]
    audit = client.get("/audit").text
    assert "Gửi mã liên kết Zalo/Telegram" in audit and "đã liên kết Zalo: không" in audit


def test_with_zalo_alone_the_mail_says_only_the_oa(site: Site) -> None:
    client = with_bot(site, "coordinator", bot="", oa=OA)
    page = client.get(PAGE).text
    assert "ZALO_OA_ID" not in page and "<th>Telegram</th>" not in page
    assert "quan tâm OA Zalo rồi gửi mã cho OA" in page
    [person] = rows(site, Person, Person.key == "fp-xa-b1")
    smtp = send_and_relay(site, client, {"person": str(person.id)})
    [mail] = smtp.to("xa-b1@thu.example")
    assert str(mail["Subject"]).startswith("Liên kết Zalo để")
    assert f"https://zalo.me/{OA}" in plain(mail) and "t.me" not in plain(mail)


def test_the_code_goes_by_email_whatever_channel_the_person_prefers(any_site: Site) -> None:
    """A person who prefers Zalo, linked there, still gets a new code by email: the
    preferred order routes messages, never the mail that links a chat."""
    site = any_site
    bind(site, "fp-xa-a2", "8413567890123456789", Channel.ZALO, ("zalo", "email"))
    [person] = rows(site, Person, Person.key == "fp-xa-a2")
    client = with_bot(site, "coordinator", oa=OA)
    answer = post(client, f"{PAGE}/send", {"calendar": "tinh-thu", "person": str(person.id)}, PAGE)
    assert answer.status_code == 303 and "sent=1" in answer.headers["location"]
    queued = rows(site, OutboxMessage, OutboxMessage.step.startswith("telegram-link:"))
    assert [(r.channel, r.address) for r in queued] == [(Channel.EMAIL, "xa-a2@thu.example")]


def test_the_old_address_still_leads_to_the_page_and_takes_the_form(site: Site) -> None:
    client = with_bot(site, "coordinator")
    huyen_a = unit_id(site, "huyen-a")
    moved = client.get(f"/accounts/telegram?unit={huyen_a}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"{PAGE}?unit={huyen_a}"
    assert "Liên kết Zalo, Telegram" in client.get("/accounts/telegram").text
    [person] = rows(site, Person, Person.key == "fp-xa-a1")
    form = {"calendar": "tinh-thu", "person": str(person.id)}
    answer = post(client, "/accounts/telegram/send", form, page=PAGE)
    assert answer.status_code == 303 and answer.headers["location"].startswith(PAGE)
    assert "Liên kết" in client.get("/accounts", follow_redirects=True).text
    assert '<a href="/accounts/links">Liên kết Zalo, Telegram</a>' in client.get("/accounts").text
