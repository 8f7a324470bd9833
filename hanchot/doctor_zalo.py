"""`hanchot doctor`'s lines for Zalo: the OA's settings, then the state of each app's
chain of tokens in the store (valid until when, a renewal in doubt, or stranded and the
exact command that restores it), a warning when the OA has no standby app, and the
webhook's queue (events waiting too long, events failed in the last day)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hanchot.doctor import Check, _reason
from notifier.settings import ZaloApp, ZaloSettings
from notifier.zalo.oauth import LEASE
from store import db, zalo_inbound, zalo_tokens
from store.base import utcnow
from store.zalo_tokens import Tokens

PART = "Zalo OA"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
QUEUE = "Zalo: sự kiện nhận qua webhook"
STUCK = timedelta(minutes=5)
"""An event waiting longer than this: no `hanchot zalo serve` is handling the queue."""
FAILED_SINCE = timedelta(days=1)
NO_STANDBY = (
    "không đặt ZALO_STANDBY_APP_ID: chỉ một ứng dụng, nên nếu tiến trình dừng đột ngột đúng "
    "lúc gia hạn token thì Zalo dừng đến khi ủy quyền lại OA; nên thêm một ứng dụng thứ hai "
    "được OA ủy quyền (ZALO_STANDBY_APP_ID, ZALO_STANDBY_APP_SECRET, "
    "ZALO_STANDBY_OA_SECRET_KEY, ZALO_STANDBY_REFRESH_TOKEN)"
)


def _at(value: datetime) -> str:
    return value.astimezone(TZ).strftime("%H:%M %d/%m/%Y")


def _part(app: ZaloApp) -> str:
    return f"Zalo: ứng dụng {'dự phòng' if app.standby else 'chính'} {app.app_id}"


def _settings(zalo: ZaloSettings) -> Check | None:
    """What is missing from the settings, as the one line to show; None: complete."""
    if not zalo.enabled:
        names = (("ZALO_OA_ID", zalo.oa_id), ("ZALO_APP_ID", zalo.app_id))
        missing = [n for n, v in (*names, ("ZALO_APP_SECRET", zalo.app_secret)) if not v]
        if len(missing) == 3:
            return Check(PART, True, "không đặt ZALO_OA_ID: tin Zalo giữ trong outbox", False)
        return Check(PART, False, f"thiếu {', '.join(missing)}: tin Zalo giữ trong outbox")
    if not zalo.oa_secret_key:
        return Check(PART, False, "thiếu ZALO_OA_SECRET_KEY: webhook không kiểm được chữ ký")
    if zalo.standby_app_id and not zalo.standby_app_secret:
        return Check(
            PART, False, "thiếu ZALO_STANDBY_APP_SECRET: ứng dụng dự phòng không dùng được"
        )
    if zalo.standby_app_id and not zalo.standby_oa_secret_key:
        return Check(
            PART,
            False,
            "thiếu ZALO_STANDBY_OA_SECRET_KEY: không kiểm được chữ ký sự kiện "
            "qua ứng dụng dự phòng",
        )
    return None


def check_zalo(zalo: ZaloSettings, database_url: str) -> list[Check]:
    incomplete = _settings(zalo)
    if incomplete is not None:
        return [incomplete]
    try:
        engine = db.create_engine(database_url)
        try:
            with db.session_factory(engine)() as session:
                chains = zalo_tokens.chains(session, zalo.oa_id)
                queue = zalo_inbound.backlog(session, utcnow() - FAILED_SINCE)
        finally:
            engine.dispose()
    except Exception as exc:
        return [Check(PART, False, f"không đọc được token trong CSDL ({_reason(exc)})")]
    apps = zalo.apps
    if apps[0].app_id not in chains and zalo_tokens.UNKNOWN_APP in chains:
        chains[apps[0].app_id] = chains[zalo_tokens.UNKNOWN_APP]  # adopted at the next start
    lines = [Check(PART, True, f"OA {zalo.oa_id}: {len(apps)} ứng dụng được ủy quyền")]
    lines += [_chain(app, chains.get(app.app_id), len(apps) > 1) for app in apps]
    if len(apps) == 1:
        lines.append(Check("Zalo: ứng dụng dự phòng", True, NO_STANDBY, configured=False))
    lines.append(_queue(queue))
    return lines


def _queue(queue: zalo_inbound.Backlog) -> Check:
    """Events stored and not handled for long (no `zalo serve` running, or one stuck), and
    events that failed in the last day with the last reason."""
    problems = []
    if queue.oldest_open is not None and queue.oldest_open < utcnow() - STUCK:
        problems.append(
            f"{queue.open} sự kiện chưa xử lý, cũ nhất từ {_at(queue.oldest_open)}: "
            "kiểm tra tiến trình `hanchot zalo serve`"
        )
    if queue.failed:
        problems.append(
            f"{queue.failed} sự kiện lỗi trong 24 giờ qua (gần nhất: {queue.last_error}); "
            "xem bảng zalo_inbound"
        )
    if problems:
        return Check(QUEUE, False, "; ".join(problems))
    return Check(QUEUE, True, f"{queue.open} sự kiện đang chờ xử lý")


def _chain(app: ZaloApp, tokens: Tokens | None, carried: bool) -> Check:
    part, now = _part(app), utcnow()
    setting = "ZALO_STANDBY_REFRESH_TOKEN" if app.standby else "ZALO_REFRESH_TOKEN"
    if tokens is None:
        if app.refresh_token:
            return Check(part, True, f"token sẽ lấy từ {setting} ở lần gửi đầu")
        return Check(part, False, f"chưa có token; đặt {setting}")
    if tokens.stranded_at is not None:
        if carried:
            until = "; tin Zalo gửi bằng ứng dụng còn lại"
        elif tokens.access_expires_at > now:
            until = f"; access token còn dùng được đến {_at(tokens.access_expires_at)}"
        else:
            until = "; tin Zalo đang giữ trong outbox"
        return Check(
            part,
            False,
            f"Zalo từ chối refresh token ({tokens.stranded_reason}){until}; ủy quyền lại OA "
            f"cho ứng dụng này rồi chạy `hanchot zalo authorize --app {app.app_id} REFRESH_TOKEN`",
        )
    if tokens.renewing_since is not None and tokens.renewing_since < now - LEASE:
        return Check(
            part,
            False,
            f"lần gia hạn token lúc {_at(tokens.renewing_since)} ({tokens.renewing_by}) "
            "chưa xong; lần gửi tới sẽ thử lại",
        )
    if tokens.usable(now):
        return Check(part, True, f"access token dùng được đến {_at(tokens.access_expires_at)}")
    return Check(part, True, "access token sẽ được gia hạn ở lần gửi tới")
