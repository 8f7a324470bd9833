"""Migration 0018 keeps the OA's token row of 0017 (it cannot know the app: app id ""),
the configured primary app takes it at the first start instead of seeding over it from
the settings, and a downgrade keeps one row per OA: the chain that sends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from activities.store_access import StoreAccess
from notifier.settings import Secret, ZaloSettings
from notifier.zalo.api import ZaloApi
from notifier.zalo.oauth import TokenSource
from store import db, migrate
from store.base import utcnow
from tests.fakes.zalo_api import FakeZalo

INSERT = sa.text(
    "INSERT INTO zalo_tokens (oa_id, access_token, access_expires_at, refresh_token, "
    "generation, updated_at) VALUES (:oa, '', :at, :rt, 4, :at)"
)


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    try:
        yield fake
    finally:
        fake.stop()


def rows(url: str) -> list[tuple[str, str, int]]:
    engine = db.create_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT app_id, refresh_token, generation FROM zalo_tokens ORDER BY app_id"
            return [tuple(r) for r in conn.execute(sa.text(query))]  # type: ignore[misc]
    finally:
        engine.dispose()


async def test_the_row_of_0017_becomes_the_primary_apps_chain(db_url: str, zalo: FakeZalo) -> None:
    migrate.upgrade(db_url, "0017")
    engine = db.create_engine(db_url)
    with engine.begin() as conn:  # the stored token is newer than the setting's
        conn.execute(INSERT, {"oa": zalo.oa_id, "at": utcnow(), "rt": zalo.refresh_token})
    engine.dispose()
    migrate.upgrade(db_url)
    assert rows(db_url) == [("", zalo.refresh_token, 4)]

    settings = ZaloSettings(
        zalo.oa_id,
        zalo.app_id,
        Secret(zalo.app_secret),
        refresh_token=Secret("rt-from-the-settings-long-used"),
        api_base_url=zalo.base,
        oauth_base_url=zalo.base,
    )
    store = StoreAccess(db.create_engine(db_url))
    source = TokenSource(store, ZaloApi(settings))
    token = await source.access_token()
    await source.api.aclose()
    store.engine.dispose()
    assert token.app_id == zalo.app_id and zalo.renewals == 1 and zalo.refused_renewals == 0
    [(app_id, refresh, generation)] = rows(db_url)
    assert (app_id, generation) == (zalo.app_id, 5) and refresh == zalo.apps[zalo.app_id].refresh


def test_a_downgrade_keeps_the_chain_that_sends(db_url: str) -> None:
    migrate.upgrade(db_url)
    engine = db.create_engine(db_url)
    now = utcnow()
    with engine.begin() as conn:
        for app_id, expires, stranded in (
            ("42", now + timedelta(hours=1), now),  # stranded
            ("43", now + timedelta(hours=20), None),
            ("44", now + timedelta(hours=5), None),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO zalo_tokens (oa_id, app_id, access_token, access_expires_at, "
                    "refresh_token, generation, stranded_at, updated_at) "
                    "VALUES ('1', :app, 'at', :exp, :rt, 1, :stranded, :exp)"
                ),
                {"app": app_id, "exp": expires, "rt": f"rt-{app_id}", "stranded": stranded},
            )
    engine.dispose()
    migrate.downgrade(db_url, "0017")
    engine = db.create_engine(db_url)
    with engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT oa_id, refresh_token FROM zalo_tokens")).all()
    engine.dispose()
    assert [tuple(r) for r in kept] == [("1", "rt-43")]
