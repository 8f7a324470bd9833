"""`hanchot doctor`'s Zalo line: not configured, half configured, and each state of the
OA's token in a real store (to be fetched, valid, a renewal left unfinished, stranded)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hanchot.doctor_zalo import check_zalo
from notifier.settings import Secret, ZaloSettings
from store import db, migrate, zalo_tokens
from store.base import utcnow
from store.models import ZaloToken

OA = "1234567890123456789"
FULL = ZaloSettings(OA, "42", Secret("app-secret"), Secret("oa-key"), Secret("rt-0"))


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    migrate.upgrade(url)
    return url


def edit(url: str, **values: object) -> None:
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        zalo_tokens.seed(session, OA, "rt-0")
        session.execute(sa.update(ZaloToken).where(ZaloToken.oa_id == OA).values(**values))
    engine.dispose()


def test_not_configured_is_not_a_failure(url: str) -> None:
    check = check_zalo(ZaloSettings(), url)
    assert check.ok and not check.configured and "không đặt ZALO_OA_ID" in check.detail


def test_half_configured_names_what_is_missing(url: str) -> None:
    check = check_zalo(ZaloSettings(oa_id=OA), url)
    assert not check.ok and "thiếu ZALO_APP_ID, ZALO_APP_SECRET" in check.detail
    check = check_zalo(ZaloSettings(OA, "42", Secret("s")), url)
    assert not check.ok and "ZALO_OA_SECRET_KEY" in check.detail


def test_each_state_of_the_token(url: str) -> None:
    assert "lấy từ ZALO_REFRESH_TOKEN" in check_zalo(FULL, url).detail
    no_seed = ZaloSettings(OA, "42", Secret("s"), Secret("k"))
    assert not check_zalo(no_seed, url).ok
    edit(url, access_token="at-1", access_expires_at=utcnow() + timedelta(hours=20))
    healthy = check_zalo(FULL, url)
    assert healthy.ok and "dùng được đến" in healthy.detail
    edit(url, renewing_since=utcnow() - timedelta(minutes=10), renewing_by="worker:7")
    unfinished = check_zalo(FULL, url)
    assert (
        not unfinished.ok and "chưa xong" in unfinished.detail and "worker:7" in unfinished.detail
    )
    edit(url, stranded_at=utcnow(), stranded_reason="zalo -14014: Invalid refresh token")
    stranded = check_zalo(FULL, url)
    assert not stranded.ok
    assert "-14014" in stranded.detail and "hanchot zalo authorize" in stranded.detail
    assert "còn dùng được đến" in stranded.detail
    assert "app-secret" not in stranded.detail and "rt-0" not in stranded.detail
