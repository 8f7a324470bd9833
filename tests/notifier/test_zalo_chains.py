"""Two apps authorised by one OA, two chains of tokens: a process killed (SIGKILL) between
Zalo's renewal and storing it strands at most that one chain, the other renews and sends
on past the stranded chain's expiry, `hanchot doctor` and one mail to the operators name
the app to authorise again, and `hanchot zalo authorize --app` restores it; nobody's
Zalo is switched off, nothing is lost or sent twice. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hanchot.cli import app as cli
from hanchot.doctor_zalo import check_zalo
from notifier.base import TransportError
from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.service import notifier_service, zalo_channel
from notifier.settings import NotifierSettings, Secret
from notifier.zalo.api import ZaloApi
from notifier.zalo.oauth import LEASE, UPKEEP, TokenSource
from store import zalo_tokens
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import (
    InboundMessage,
    OutboxMessage,
    PersonChannel,
    WebRole,
    WebUser,
    ZaloToken,
)
from tests.fakes.smtp import FakeSMTP
from tests.fakes.zalo_api import CUT, FakeZalo
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World
from tests.notifier.zalo_support import webhook, zalo_settings

FP = "8001"
P, S = "4291763606161179100", "3056112283945570001"
"""The primary app (the fake's first) and the standby."""
OPERATOR = "vanhanh@soldtbxh.example"


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo(app_id=P).start()
    fake.add_app(S, "standby-secret", "standby-oa-key")
    try:
        yield fake
    finally:
        fake.stop()


def two_apps(world: World, fake: FakeZalo) -> NotifierSettings:
    settings = zalo_settings(world, fake)
    standby = fake.apps[S]
    zalo = replace(
        settings.zalo,
        standby_app_id=S,
        standby_app_secret=Secret(standby.app_secret),
        standby_oa_secret_key=Secret(standby.oa_secret_key),
        standby_refresh_token=Secret(standby.refresh_token),
    )
    return replace(settings, zalo=zalo)


def row(world: World, fake: FakeZalo, app_id: str) -> ZaloToken:
    with world.store.read() as session:
        found = session.get(ZaloToken, (fake.oa_id, app_id))
        assert found is not None
        session.expunge(found)
        return found


def edit(world: World, fake: FakeZalo, app_id: str, **values: object) -> None:
    with world.store.write() as session:
        session.execute(
            sa.update(ZaloToken)
            .where(ZaloToken.oa_id == fake.oa_id, ZaloToken.app_id == app_id)
            .values(**values)
        )


def left(world: World, fake: FakeZalo, app_id: str, hours: float, lived: float = 0) -> None:
    """The chain's access token has `hours` left, issued `lived` hours ago (25 - hours)."""
    now = utcnow()
    issued = now - timedelta(hours=lived or 25 - hours)
    edit(
        world, fake, app_id, access_expires_at=now + timedelta(hours=hours), access_issued_at=issued
    )


def url_of(world: World) -> str:
    return world.store.engine.url.render_as_string(hide_password=False)


def kill_during_renewal(world: World, fake: FakeZalo) -> subprocess.CompletedProcess[str]:
    apps = [f"{a.app_id}:{a.app_secret}" for a in fake.apps.values()]
    child = [sys.executable, "-m", "tests.notifier.zalo_renew_child"]
    return subprocess.run(
        [*child, url_of(world), fake.base, fake.oa_id, *apps],
        capture_output=True,
        text=True,
        timeout=60,
    )


def sent_by(fake: FakeZalo) -> str:
    return str(fake.sent[-1]["app_id"])


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_kill_9_strands_one_chain_and_the_other_carries_every_send(
    world: World, zalo: FakeZalo, smtp: FakeSMTP
) -> None:
    settings = two_apps(world, zalo)
    world.link_zalo("fp-a", FP)
    with world.store.write() as session:
        session.add(WebUser(email=OPERATOR, name="Nguyễn Văn Hành", role=WebRole.COORDINATOR))
        session.add(WebUser(email="xem@soldtbxh.example", name="Người xem", role=WebRole.VIEWER))
    channel = zalo_channel(settings, world.store)
    registry = Registry([channel, EmailChannel(world.settings.smtp)])
    deliverer = Deliverer(world.store, registry, settings)

    async def remind(step: str) -> str:
        wid, step = world.queue(step=step)
        [outcome] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
        assert world.row(wid, step, Channel.ZALO).status is OutboxStatus.SENT, outcome
        return sent_by(zalo)

    assert await remind("remind:-5d") == P  # both chains fetched; the primary sends
    assert (zalo.apps[P].renewals, zalo.apps[S].renewals) == (1, 1)
    left(world, zalo, P, 2)  # the primary's renewal falls due
    left(world, zalo, S, 20)
    stored = row(world, zalo, P)

    child = kill_during_renewal(world, zalo)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == f"renewed {P}"
    assert zalo.apps[P].renewals == 2  # Zalo rotated: the stored refresh token is used up
    crashed = row(world, zalo, P)
    assert crashed.refresh_token == stored.refresh_token and crashed.renewing_by is not None

    edit(world, zalo, P, renewing_since=utcnow() - timedelta(minutes=5))  # its lease lapsed
    with world.store.write() as session:  # in doubt: no other chain of the OA may renew
        assert zalo_tokens.claim(session, zalo.oa_id, S, "another", LEASE) is None
    left(world, zalo, S, 2)  # the standby falls due too: it waits for the doubt
    assert await remind("remind:-4d") == P  # the primary's token still works 2 hours
    stranded = row(world, zalo, P)
    assert stranded.stranded_at is not None and "-14014" in str(stranded.stranded_reason)
    assert zalo.apps[P].refused_renewals == 1
    assert zalo.apps[S].renewals == 2  # renewed once the doubt was resolved
    assert row(world, zalo, S).renewing_by is None

    zalo.expire_access(P)  # past the stranded chain's expiry
    edit(world, zalo, P, access_expires_at=utcnow() - timedelta(seconds=1))
    assert await remind("remind:-3d") == S
    assert await remind("remind:-2d") == S

    [zalo_line, primary, standby, queue] = check_zalo(settings.zalo, url_of(world))
    assert zalo_line.ok and standby.ok and not primary.ok
    assert queue.ok and queue.part == "Zalo: sự kiện nhận qua webhook"
    assert f"hanchot zalo authorize --app {P} REFRESH_TOKEN" in primary.detail
    assert "-14014" in primary.detail and "ứng dụng còn lại" in primary.detail

    with world.store.read() as session:
        [notice] = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient_id.is_(None))
        )
        notice_id = notice.id
    assert notice.address == OPERATOR and notice.payload["kind"] == "zalo_stranded"
    await deliverer.deliver(notice_id)
    [mail] = smtp.to(OPERATOR)
    assert f"cần ủy quyền lại ứng dụng chính {P}" in str(mail["Subject"])
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"hanchot zalo authorize --app {P} REFRESH_TOKEN" in body
    assert f"vẫn được gửi bằng ứng dụng {S}" in body

    env = {
        "HANCHOT_DATABASE_URL": url_of(world),
        "HANCHOT_DATA_DIR": str(world.tmp),
        "ZALO_OA_ID": zalo.oa_id,
        "ZALO_APP_ID": P,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_STANDBY_APP_ID": S,
        "ZALO_STANDBY_APP_SECRET": zalo.apps[S].app_secret,
    }
    done = CliRunner().invoke(cli, ["zalo", "authorize", zalo.authorize(P)], env=env)
    assert done.exit_code == 0, done.output  # the one stranded app, chosen without --app
    assert f"ứng dụng {P}" in done.output
    assert await remind("remind:-1d") == P  # restored: the primary sends again
    assert zalo.apps[P].renewals == 3
    await channel.aclose()

    with world.store.read() as session:
        [binding] = session.query(PersonChannel).filter_by(channel=Channel.ZALO).all()
    assert binding.disabled_at is None and binding.address == FP
    assert len(zalo.texts(FP)) == 5  # five reminders, each once
    assert len({m["message_id"] for m in zalo.sent}) == 5
    assert all(check.ok for check in check_zalo(settings.zalo, url_of(world)))


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_an_invalid_token_on_one_chain_is_sent_again_on_the_other(
    world: World, zalo: FakeZalo
) -> None:
    settings = two_apps(world, zalo)
    world.link_zalo("fp-a", FP)
    channel = zalo_channel(settings, world.store)
    deliverer = Deliverer(world.store, Registry([channel]), settings)
    wid, step = world.queue(step="remind:-3d")
    await deliverer.deliver_step(wid, step, Channel.ZALO.value)
    zalo.expire_access(P)  # Zalo refuses the primary's token before its time
    wid, step = world.queue(step="remind:-2d")
    [outcome] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
    await channel.aclose()
    assert outcome.status == "sent" and sent_by(zalo) == S
    assert len(zalo.texts(FP)) == 2
    assert zalo.apps[P].renewals == 2  # set aside and renewed, not used again as it was


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_at_most_one_renewal_in_doubt_per_oa(world: World, zalo: FakeZalo) -> None:
    oa, now = zalo.oa_id, utcnow()
    with world.store.write() as session:
        zalo_tokens.seed(session, oa, P, "rt-p")
        zalo_tokens.seed(session, oa, S, "rt-s")
        assert zalo_tokens.claim(session, oa, P, "a", LEASE, now) is not None
        assert zalo_tokens.claim(session, oa, P, "b", LEASE, now) is None  # held
        assert zalo_tokens.claim(session, oa, S, "b", LEASE, now) is None  # another chain's
    later = now + LEASE * 2  # a's claim lapsed: in doubt
    with world.store.write() as session:
        assert zalo_tokens.claim(session, oa, S, "b", LEASE, later) is None
        resolving = zalo_tokens.claim(session, oa, P, "c", LEASE, later)
        assert resolving is not None and resolving.refresh_token == "rt-p"
        assert zalo_tokens.claim(session, oa, S, "b", LEASE, later) is None
        assert zalo_tokens.strand(session, oa, P, "c", "zalo -14014: Invalid refresh token")
        assert zalo_tokens.claim(session, oa, P, "d", LEASE, later) is None  # stranded
        assert zalo_tokens.claim(session, oa, S, "b", LEASE, later) is not None
        zalo_tokens.release(session, oa, S, "b")
        zalo_tokens.authorize(session, oa, P, "rt-new")
        assert zalo_tokens.claim(session, oa, P, "e", LEASE, later) is not None


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_four_real_processes_renewing_two_chains_make_one_renewal_each(
    world: World, zalo: FakeZalo
) -> None:
    with world.store.write() as session:  # seeded as the settings would
        for app in zalo.apps.values():
            zalo_tokens.seed(session, zalo.oa_id, app.app_id, app.refresh_token)
    zalo.renew_seconds = 2.0  # long enough for every process to try while one renews
    apps = [f"{a.app_id}:{a.app_secret}" for a in zalo.apps.values()]
    child = [sys.executable, "-m", "tests.notifier.zalo_renew_child", "--live"]
    args = [*child, url_of(world), zalo.base, zalo.oa_id, *apps]
    running = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    said = [p.communicate(timeout=90)[0].split() for p in running]
    assert all(p.returncode == 0 for p in running), said
    assert (zalo.apps[P].renewals, zalo.apps[S].renewals) == (1, 1)
    assert zalo.refused_renewals == 0 and zalo.most_renewing == 1  # never two at once
    assert sum(int(words[-1]) for words in said) == 2  # stored by whoever renewed
    assert {words[1] for words in said} == {P}  # every process sends with the primary


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_four_processes_renewing_two_chains_make_one_renewal_each(
    world: World, zalo: FakeZalo
) -> None:
    settings = two_apps(world, zalo).zalo
    sources = []
    for index in range(4):
        source = TokenSource(world.store, ZaloApi(settings))
        source.owner = f"process-{index}"
        sources.append(source)
    tokens = await asyncio.gather(*(s.access_token() for s in sources))
    for source in sources:
        await source.api.aclose()
    assert (zalo.apps[P].renewals, zalo.apps[S].renewals) == (1, 1)
    assert zalo.refused_renewals == 0 and sum(s.renewals for s in sources) == 2
    assert {t.app_id for t in tokens} == {P} and len({t.value for t in tokens}) == 1


async def test_the_two_chains_do_not_fall_due_together(world: World, zalo: FakeZalo) -> None:
    source = TokenSource(world.store, ZaloApi(two_apps(world, zalo).zalo))
    await source.access_token()
    left(world, zalo, P, 11.9)  # both renewed at the same moment, both due now
    left(world, zalo, S, 11.9)
    await source.access_token()
    assert (zalo.apps[P].renewals, zalo.apps[S].renewals) == (2, 1)  # the standby waits
    left(world, zalo, S, 6.5)
    await source.access_token()
    assert zalo.apps[S].renewals == 1  # still within half a renewal of the primary's
    left(world, zalo, S, 5.9)
    await source.access_token()
    await source.api.aclose()
    assert zalo.apps[S].renewals == 2  # and then apart from it by about six hours


async def test_a_renewal_whose_answer_never_came_stays_in_doubt_until_resolved(
    world: World, zalo: FakeZalo
) -> None:
    source = TokenSource(world.store, ZaloApi(two_apps(world, zalo).zalo))
    await source.access_token()
    left(world, zalo, P, 2)
    zalo.failures.append(("/v4/oa/access_token", CUT))
    token = await source.access_token()
    assert token.app_id == P  # its token still works; the renewal is in doubt, not released
    assert zalo.apps[P].renewals == 2 and row(world, zalo, P).renewing_by == source.owner
    left(world, zalo, S, 2)
    await source.access_token()
    assert zalo.apps[S].renewals == 1  # no second renewal while one is in doubt
    edit(world, zalo, P, renewing_since=utcnow() - LEASE * 2)
    await source.access_token()
    await source.api.aclose()
    assert row(world, zalo, P).stranded_at is not None and zalo.apps[S].renewals == 2


async def test_events_of_either_app_are_read_and_the_same_event_through_both_is_handled_once(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    settings = two_apps(world, zalo)
    async with webhook(world, zalo, None, zalo=settings.zalo) as hook:
        press = zalo.text(FP, "s:12:abcdefgh")  # a forged press: refused, recorded, answered
        assert await hook.post(press) == 200
        again = {**press, "app_id": S}  # Zalo delivers the same event through the standby
        assert await hook.post(again) == 200
        forged = {**press, "app_id": S, "timestamp": str(int(press["timestamp"]) + 1)}
        _, primary_mac = zalo.signed({**forged, "app_id": P})
        assert await hook.post(forged, signature=primary_mac) == 403  # the primary's key
    with world.store.read() as session:
        refs = session.scalars(sa.select(InboundMessage.raw_ref)).all()
    assert len(refs) == 1 and len(zalo.texts(FP)) == 1


async def test_upkeep_resolves_a_doubt_and_renews_without_a_send(
    world: World, zalo: FakeZalo
) -> None:
    source = TokenSource(world.store, ZaloApi(two_apps(world, zalo).zalo))
    await source.upkeep()  # both chains fetched, nothing sent
    assert (zalo.apps[P].renewals, zalo.apps[S].renewals) == (1, 1) and not zalo.sent
    edit(world, zalo, P, renewing_since=utcnow() - LEASE * 2, renewing_by="dead:1")
    zalo.authorize(P)  # the stored refresh token no longer works: the dead one used it
    left(world, zalo, S, 2)
    await source.upkeep()
    await source.api.aclose()
    assert row(world, zalo, P).stranded_at is not None and zalo.apps[S].renewals == 2
    assert not zalo.sent


async def test_the_notifier_looks_after_the_chains_every_few_minutes(
    world: World, zalo: FakeZalo
) -> None:
    settings = two_apps(world, zalo)
    async with notifier_service(None, world.store, settings) as running:  # type: ignore[arg-type]
        job = running.scheduler.get_job("zalo-token-upkeep")
        assert job is not None and job.trigger.interval == UPKEEP
        await job.func(*job.args)
    assert (zalo.apps[P].renewals, zalo.apps[S].renewals) == (1, 1) and not zalo.sent


async def test_a_renewal_that_never_reached_zalo_is_given_back(
    world: World, zalo: FakeZalo
) -> None:
    closed = replace(two_apps(world, zalo).zalo, oauth_base_url="http://127.0.0.1:9")  # discard
    source = TokenSource(world.store, ZaloApi(closed))
    with pytest.raises(TransportError):
        await source.access_token()
    await source.api.aclose()
    assert row(world, zalo, P).renewing_by is None and row(world, zalo, S).renewing_by is None
