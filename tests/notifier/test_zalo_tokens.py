"""One app's token chain (no standby) under a crash and under contention: a process
killed (SIGKILL) between Zalo's renewal and storing it switches off nobody's Zalo and
loses no message (they wait in the outbox until `hanchot zalo authorize`), and processes
renewing at once make one renewal. Two chains: test_zalo_chains."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from notifier.delivery import Deliverer
from notifier.registry import Registry
from notifier.service import zalo_channel
from notifier.zalo.api import ZaloApi
from notifier.zalo.oauth import TokenSource
from store import zalo_tokens
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import PersonChannel, ZaloToken
from tests.fakes.zalo_api import FakeZalo
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World
from tests.notifier.zalo_support import zalo_settings

FP = "8001"


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    try:
        yield fake
    finally:
        fake.stop()


def token_row(world: World, fake: FakeZalo, app_id: str = "") -> ZaloToken:
    with world.store.read() as session:
        row = session.get(ZaloToken, (fake.oa_id, app_id or fake.app_id))
        assert row is not None
        session.expunge(row)
        return row


def edit_row(world: World, fake: FakeZalo, app_id: str = "", **values: object) -> None:
    with world.store.write() as session:
        session.execute(
            sa.update(ZaloToken)
            .where(ZaloToken.oa_id == fake.oa_id, ZaloToken.app_id == (app_id or fake.app_id))
            .values(**values)
        )


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_kill_9_between_renewal_and_storage_loses_the_channel_for_no_one(
    world: World, zalo: FakeZalo
) -> None:
    settings = zalo_settings(world, zalo)
    world.link_zalo("fp-a", FP)
    channel = zalo_channel(settings, world.store)
    first = (await channel.tokens.access_token()).value  # renewal 1, stored
    due = {"access_issued_at": utcnow() - timedelta(hours=23)}  # 2 of its 25 hours left
    edit_row(world, zalo, access_expires_at=utcnow() + timedelta(hours=2), **due)
    stored = token_row(world, zalo)

    url = world.store.engine.url.render_as_string(hide_password=False)
    args = [zalo.base, zalo.oa_id, f"{zalo.app_id}:{zalo.app_secret}"]
    child = subprocess.run(
        [sys.executable, "-m", "tests.notifier.zalo_renew_child", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == f"renewed {zalo.app_id}"
    assert zalo.renewals == 2  # Zalo rotated: the stored refresh token is now used up
    crashed = token_row(world, zalo)
    assert crashed.refresh_token == stored.refresh_token
    assert crashed.access_token == first and crashed.renewing_by is not None

    edit_row(world, zalo, renewing_since=utcnow() - timedelta(minutes=5))  # its lease lapsed
    deliverer = Deliverer(world.store, Registry([channel]), settings)
    wid, step = world.queue()
    [sent] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
    assert sent.status == "sent"  # with the access token the lost renewal did not revoke
    stranded = token_row(world, zalo)
    assert stranded.stranded_at is not None and "-14014" in str(stranded.stranded_reason)
    assert zalo.refused_renewals == 1

    zalo.expire_access()
    edit_row(world, zalo, access_expires_at=utcnow() - timedelta(seconds=1))
    wid, step = world.queue(step="remind:-1d")
    [held] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
    assert held.status == "held" and "ủy quyền lại" in str(held.error)
    assert world.row(wid, step, Channel.ZALO).status is OutboxStatus.PENDING

    with world.store.write() as session:  # `hanchot zalo authorize` with a new token
        zalo_tokens.authorize(session, zalo.oa_id, zalo.app_id, zalo.authorize())
    [later] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
    await channel.aclose()
    assert later.status == "sent"
    with world.store.read() as session:
        [binding] = session.query(PersonChannel).filter_by(channel=Channel.ZALO).all()
    assert binding.disabled_at is None and binding.address == FP
    assert len(zalo.texts(FP)) == 2


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_processes_renewing_at_once_make_one_renewal(world: World, zalo: FakeZalo) -> None:
    settings = zalo_settings(world, zalo).zalo
    sources = []
    for index in range(4):
        source = TokenSource(world.store, ZaloApi(settings))
        source.owner = f"process-{index}"
        sources.append(source)
    tokens = [t.value for t in await asyncio.gather(*(s.access_token() for s in sources))]
    for source in sources:
        await source.api.aclose()
    assert zalo.renewals == 1 and zalo.refused_renewals == 0
    assert len(set(tokens)) == 1 and sum(s.renewals for s in sources) == 1
    assert token_row(world, zalo).generation == 1


async def test_a_short_lived_token_is_renewed_at_half_its_life_not_at_every_send(
    world: World, zalo: FakeZalo
) -> None:
    zalo.access_ttl = 3600.0  # the one-hour tokens of older OA apps
    settings = zalo_settings(world, zalo).zalo
    source = TokenSource(world.store, ZaloApi(settings))
    first = (await source.access_token()).value
    again = (await source.access_token()).value
    issued = utcnow() - timedelta(minutes=31)  # 29 of its 60 minutes left
    edit_row(world, zalo, access_issued_at=issued, access_expires_at=issued + timedelta(hours=1))
    renewed = (await source.access_token()).value
    await source.api.aclose()
    assert first == again != renewed
    assert zalo.renewals == 2


async def test_a_renewal_that_fails_for_a_moment_keeps_the_current_token_and_is_tried_again(
    world: World, zalo: FakeZalo
) -> None:
    settings = zalo_settings(world, zalo).zalo
    source = TokenSource(world.store, ZaloApi(settings))
    first = (await source.access_token()).value
    due = {"access_issued_at": utcnow() - timedelta(hours=23)}
    edit_row(world, zalo, access_expires_at=utcnow() + timedelta(hours=2), **due)
    zalo.failures.append(("/v4/oa/access_token", 502))
    during = (await source.access_token()).value
    after = (await source.access_token()).value
    await source.api.aclose()
    assert during == first != after
    assert zalo.renewals == 2 and token_row(world, zalo).renewing_by is None
