"""`hanchot doctor`'s Zalo lines: not configured, half configured, each state of an app's
token chain in a real store (to be fetched, valid, a renewal in doubt, stranded and the
command that restores it), the warning when the OA has no standby app, and a row written
before apps were told apart read as the primary's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hanchot.doctor import Check
from hanchot.doctor_zalo import check_zalo
from notifier.settings import Secret, ZaloSettings
from store import db, migrate, zalo_tokens
from store.base import utcnow
from store.models import ZaloToken

OA, APP, STANDBY = "1234567890123456789", "42", "43"
FULL = ZaloSettings(OA, APP, Secret("app-secret"), Secret("oa-key"), Secret("rt-0"))
TWO = replace(
    FULL,
    standby_app_id=STANDBY,
    standby_app_secret=Secret("standby-secret"),
    standby_oa_secret_key=Secret("standby-key"),
    standby_refresh_token=Secret("rt-s"),
)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    migrate.upgrade(url)
    return url


def edit(url: str, app_id: str = APP, **values: object) -> None:
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        zalo_tokens.seed(session, OA, app_id, "rt-0")
        session.execute(
            sa.update(ZaloToken)
            .where(ZaloToken.oa_id == OA, ZaloToken.app_id == app_id)
            .values(**values)
        )
    engine.dispose()


def lines(settings: ZaloSettings, url: str) -> dict[str, Check]:
    return {check.part: check for check in check_zalo(settings, url)}


def test_not_configured_is_not_a_failure(url: str) -> None:
    [check] = check_zalo(ZaloSettings(), url)
    assert check.ok and not check.configured and "không đặt ZALO_OA_ID" in check.detail


def test_half_configured_names_what_is_missing(url: str) -> None:
    [check] = check_zalo(ZaloSettings(oa_id=OA), url)
    assert not check.ok and "thiếu ZALO_APP_ID, ZALO_APP_SECRET" in check.detail
    [check] = check_zalo(ZaloSettings(OA, "42", Secret("s")), url)
    assert not check.ok and "ZALO_OA_SECRET_KEY" in check.detail
    [check] = check_zalo(replace(FULL, standby_app_id=STANDBY), url)
    assert not check.ok and "ZALO_STANDBY_APP_SECRET" in check.detail
    [check] = check_zalo(replace(TWO, standby_oa_secret_key=Secret("")), url)
    assert not check.ok and "ZALO_STANDBY_OA_SECRET_KEY" in check.detail


def test_each_state_of_the_token(url: str) -> None:
    primary = f"Zalo: ứng dụng chính {APP}"
    assert "lấy từ ZALO_REFRESH_TOKEN" in lines(FULL, url)[primary].detail
    no_seed = ZaloSettings(OA, APP, Secret("s"), Secret("k"))
    assert not lines(no_seed, url)[primary].ok
    edit(url, access_token="at-1", access_expires_at=utcnow() + timedelta(hours=20))
    healthy = lines(FULL, url)[primary]
    assert healthy.ok and "dùng được đến" in healthy.detail
    edit(url, renewing_since=utcnow() - timedelta(minutes=10), renewing_by="worker:7")
    unfinished = lines(FULL, url)[primary]
    assert (
        not unfinished.ok and "chưa xong" in unfinished.detail and "worker:7" in unfinished.detail
    )
    edit(url, stranded_at=utcnow(), stranded_reason="zalo -14014: Invalid refresh token")
    stranded = lines(FULL, url)[primary]
    assert not stranded.ok
    assert "-14014" in stranded.detail
    assert f"hanchot zalo authorize --app {APP} REFRESH_TOKEN" in stranded.detail
    assert "còn dùng được đến" in stranded.detail
    assert "app-secret" not in stranded.detail and "rt-0" not in stranded.detail


def test_one_app_is_warned_that_a_crash_in_renewal_stops_zalo(url: str) -> None:
    warning = lines(FULL, url)["Zalo: ứng dụng dự phòng"]
    assert warning.ok and not warning.configured
    assert "Zalo dừng đến khi ủy quyền lại OA" in warning.detail
    assert "ZALO_STANDBY_APP_ID" in warning.detail
    assert "Zalo: ứng dụng dự phòng" not in lines(TWO, url)


def test_two_apps_each_on_its_line_the_stranded_one_named(url: str) -> None:
    edit(url, access_token="at-1", access_expires_at=utcnow() + timedelta(hours=20))
    edit(url, STANDBY, stranded_at=utcnow(), stranded_reason="zalo -14014: Invalid refresh token")
    found = lines(TWO, url)
    assert found[f"Zalo: ứng dụng chính {APP}"].ok
    standby = found[f"Zalo: ứng dụng dự phòng {STANDBY}"]
    assert not standby.ok and "ứng dụng còn lại" in standby.detail
    assert f"hanchot zalo authorize --app {STANDBY} REFRESH_TOKEN" in standby.detail


def test_a_row_from_before_apps_were_told_apart_is_the_primarys(url: str) -> None:
    edit(url, zalo_tokens.UNKNOWN_APP, access_token="at-1", access_expires_at=utcnow())
    edit(url, zalo_tokens.UNKNOWN_APP, stranded_at=utcnow(), stranded_reason="zalo -14014")
    assert not lines(FULL, url)[f"Zalo: ứng dụng chính {APP}"].ok


def test_the_webhook_queue_is_said_when_events_wait_too_long_or_failed(url: str) -> None:
    """Stored events nobody handles (no `zalo serve` running) and failed events of the
    last day turn the queue's line red; a few fresh events waiting do not."""
    from store.enums import ZaloEventStatus
    from store.models import ZaloInbound

    queue = "Zalo: sự kiện nhận qua webhook"
    assert lines(FULL, url)[queue].ok and "0 sự kiện" in lines(FULL, url)[queue].detail

    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        session.add(
            ZaloInbound(
                event_key="8001:user_send_text:m1",
                user_id="8001",
                event_name="user_send_text",
                body="{}",
            )
        )
    assert lines(FULL, url)[queue].ok  # just arrived
    with db.session_factory(engine, writes=True)() as session, session.begin():
        session.execute(sa.update(ZaloInbound).values(received_at=utcnow() - timedelta(hours=2)))
        session.add(
            ZaloInbound(
                event_key="8002:user_send_file:m2",
                user_id="8002",
                event_name="user_send_file",
                body="{}",
                status=ZaloEventStatus.FAILED,
                error="tải tệp quá 10 phút",
                handled_at=utcnow() - timedelta(hours=1),
            )
        )
        session.add(
            ZaloInbound(
                event_key="8003:user_send_file:m3",
                user_id="8003",
                event_name="user_send_file",
                body="{}",
                status=ZaloEventStatus.FAILED,
                error="cũ",
                handled_at=utcnow() - timedelta(days=3),
            )
        )
    engine.dispose()
    line = lines(FULL, url)[queue]
    assert not line.ok
    assert "1 sự kiện chưa xử lý" in line.detail and "hanchot zalo serve" in line.detail
    assert "1 sự kiện lỗi trong 24 giờ qua (gần nhất: tải tệp quá 10 phút)" in line.detail
