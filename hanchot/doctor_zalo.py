"""`hanchot doctor`'s line for Zalo: the OA's settings and the state of its token in the
store (valid until when, a renewal left unfinished, or stranded and what to do)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hanchot.doctor import Check, _reason
from notifier.settings import ZaloSettings
from notifier.zalo.oauth import LEASE
from store import db, zalo_tokens
from store.base import utcnow

PART = "Zalo OA"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(value: datetime) -> str:
    return value.astimezone(TZ).strftime("%H:%M %d/%m/%Y")


def check_zalo(zalo: ZaloSettings, database_url: str) -> Check:
    if not zalo.enabled:
        missing = [
            name
            for name, value in (
                ("ZALO_OA_ID", zalo.oa_id),
                ("ZALO_APP_ID", zalo.app_id),
                ("ZALO_APP_SECRET", zalo.app_secret),
            )
            if not value
        ]
        if len(missing) == 3:
            return Check(PART, True, "không đặt ZALO_OA_ID: tin Zalo giữ trong outbox", False)
        return Check(PART, False, f"thiếu {', '.join(missing)}: tin Zalo giữ trong outbox")
    if not zalo.oa_secret_key:
        return Check(PART, False, "thiếu ZALO_OA_SECRET_KEY: webhook không kiểm được chữ ký")
    try:
        engine = db.create_engine(database_url)
        try:
            with db.session_factory(engine)() as session:
                tokens = zalo_tokens.read(session, zalo.oa_id)
        finally:
            engine.dispose()
    except Exception as exc:
        return Check(PART, False, f"không đọc được token trong CSDL ({_reason(exc)})")
    where = f"OA {zalo.oa_id}"
    if tokens is None:
        if zalo.refresh_token:
            return Check(PART, True, f"{where}: token sẽ lấy từ ZALO_REFRESH_TOKEN ở lần gửi đầu")
        return Check(PART, False, f"{where}: chưa có token; đặt ZALO_REFRESH_TOKEN")
    now = utcnow()
    if tokens.stranded_at is not None:
        until = (
            f"; access token còn dùng được đến {_at(tokens.access_expires_at)}"
            if tokens.access_expires_at > now
            else "; tin Zalo đang giữ trong outbox"
        )
        return Check(
            PART,
            False,
            f"{where}: Zalo từ chối refresh token ({tokens.stranded_reason}){until}; "
            "ủy quyền lại OA rồi chạy `hanchot zalo authorize REFRESH_TOKEN`",
        )
    if tokens.renewing_since is not None and tokens.renewing_since < now - LEASE:
        return Check(
            PART,
            False,
            f"{where}: lần gia hạn token lúc {_at(tokens.renewing_since)} ({tokens.renewing_by}) "
            "chưa xong; lần gửi tới sẽ thử lại",
        )
    if tokens.access_token and tokens.access_expires_at > now:
        return Check(
            PART, True, f"{where}: access token dùng được đến {_at(tokens.access_expires_at)}"
        )
    return Check(PART, True, f"{where}: access token sẽ được gia hạn ở lần gửi tới")
