"""`hanchot doctor`: check every configured part and say precisely what is wrong.

Each check connects to the real thing with a short timeout (database and its schema
version, Temporal, SMTP with STARTTLS/SSL and login, IMAP with login and mailbox, the
Telegram token through getMe) and returns one line a coordinator or an operator can act
on. A part that is not configured is reported as such, not as a failure: the embedded
default runs without SMTP, IMAP or Telegram credentials on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import ssl
from dataclasses import dataclass, replace
from pathlib import Path

import aiosmtplib
import httpx
import sqlalchemy as sa
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from hanchot import devaddress
from hanchot.settings import Settings
from notifier.settings import ImapSettings, NotifierSettings, SmtpSettings, TelegramSettings
from store import db, migrate

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Check:
    part: str
    ok: bool
    detail: str
    configured: bool = True


def check_database(url: str) -> Check:
    where = db.masked(url)
    sqlite_file = db.sync_url(url).database if url.startswith("sqlite") else None
    if sqlite_file and sqlite_file != ":memory:" and not Path(sqlite_file).exists():
        return Check("Cơ sở dữ liệu", False, f"{where}: chưa có; chạy `hanchot db upgrade`")
    try:
        engine = db.create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
        current, head = migrate.current(url), migrate.head()
    except Exception as exc:  # the message is what the operator needs
        return Check("Cơ sở dữ liệu", False, f"{where}: không kết nối được ({_reason(exc)})")
    if current != head:
        return Check(
            "Cơ sở dữ liệu",
            False,
            f"{where}: lược đồ ở phiên bản {current or 'trống'}, cần {head}; "
            "chạy `hanchot db upgrade`",
        )
    return Check("Cơ sở dữ liệu", True, f"{where}: kết nối được, lược đồ mới nhất ({head})")


async def check_temporal(settings: Settings) -> Check:
    where = f"{settings.temporal_address} (namespace {settings.namespace})"
    try:
        client = await asyncio.wait_for(
            Client.connect(settings.temporal_address, namespace=settings.namespace), TIMEOUT_S
        )
        await asyncio.wait_for(
            client.workflow_service.get_system_info(GetSystemInfoRequest()), TIMEOUT_S
        )
    except Exception as exc:
        return Check("Temporal", False, f"{where}: không kết nối được ({_reason(exc)})")
    return Check("Temporal", True, f"{where}: kết nối được")


async def check_smtp(smtp: SmtpSettings) -> Check:
    if not smtp.host:
        return Check(
            "SMTP", True, "không đặt SMTP_HOST: thư gửi vào máy chủ SMTP cục bộ", configured=False
        )
    where = f"{smtp.host}:{smtp.port} ({smtp.security})"
    client = aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        use_tls=smtp.security == "ssl",
        start_tls=smtp.security == "starttls",
        timeout=TIMEOUT_S,
    )
    try:
        await client.connect()
        if smtp.user:
            await client.login(smtp.user, str(smtp.password))
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError as exc:
        return Check("SMTP", False, f"{where}: sai tên đăng nhập hoặc mật khẩu ({exc.code})")
    except Exception as exc:
        return Check("SMTP", False, f"{where}: không kết nối được ({_reason(exc)})")
    login = f", đăng nhập {smtp.user}" if smtp.user else ""
    return Check("SMTP", True, f"{where}: kết nối được{login}")


def check_imap(imap: ImapSettings) -> Check:
    if not imap.host:
        return Check("IMAP", True, "không đặt IMAP_HOST: không đọc thư trả lời", configured=False)
    where = f"{imap.host}:{imap.port} ({imap.security})"
    try:
        if imap.security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                imap.host, imap.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_S
            )
        else:
            conn = imaplib.IMAP4(imap.host, imap.port, timeout=TIMEOUT_S)
            if imap.security == "starttls":
                conn.starttls(ssl.create_default_context())
        try:
            conn.login(imap.user, str(imap.password))
            status, _ = conn.select(imap.mailbox, readonly=True)
            if status != "OK":
                return Check("IMAP", False, f"{where}: không mở được hộp thư {imap.mailbox}")
        finally:
            with contextlib.suppress(Exception):
                conn.logout()
    except imaplib.IMAP4.error as exc:
        return Check("IMAP", False, f"{where}: bị từ chối ({_reason(exc)})")
    except Exception as exc:
        return Check("IMAP", False, f"{where}: không kết nối được ({_reason(exc)})")
    trust = (
        f"trả lời được xác thực theo Authentication-Results của {imap.authserv_id}"
        if imap.authserv_id
        else "trả lời chỉ dựa vào địa chỉ người gửi và mã hạn nộp (không đặt IMAP_AUTHSERV_ID)"
    )
    return Check("IMAP", True, f"{where}: đăng nhập được, hộp thư {imap.mailbox} mở được; {trust}")


async def check_telegram(telegram: TelegramSettings) -> Check:
    if not telegram.token:
        return Check(
            "Telegram",
            True,
            "không đặt TELEGRAM_BOT_TOKEN: tin Telegram giữ trong outbox",
            configured=False,
        )
    url = f"{telegram.api_base_url.rstrip('/')}/bot{telegram.token}/getMe"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
            answer = await http.get(url)
        body = answer.json()
    except Exception as exc:
        return Check(
            "Telegram", False, f"{telegram.api_base_url}: không kết nối được ({_reason(exc)})"
        )
    if answer.status_code == 401 or not body.get("ok"):
        why = body.get("description") or f"HTTP {answer.status_code}"
        return Check("Telegram", False, f"token bị từ chối ({why}); kiểm tra TELEGRAM_BOT_TOKEN")
    return Check("Telegram", True, f"bot @{body['result'].get('username', '?')} trả lời getMe")


async def check_dashboard(url: str) -> Check:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
            answer = await http.get(f"{url.rstrip('/')}/login")
    except Exception as exc:
        return Check("Bảng điều khiển", False, f"{url}: không kết nối được ({_reason(exc)})")
    if answer.status_code != 200:
        return Check("Bảng điều khiển", False, f"{url}: trả lời HTTP {answer.status_code}")
    return Check("Bảng điều khiển", True, f"{url}: trả lời được")


async def run_checks(
    settings: Settings, notifier: NotifierSettings, database_url: str
) -> list[Check]:
    """Every part, one Check each. With a `hanchot dev` running on this data dir, its
    local SMTP server (when no SMTP_HOST is set) and its dashboard are checked too."""
    running = devaddress.read(db.data_dir())
    smtp_settings = notifier.smtp
    if running and smtp_settings.embedded:
        host, _, port = running.smtp.rpartition(":")
        smtp_settings = replace(smtp_settings, host=host, port=int(port), security="none")
    database = await asyncio.to_thread(check_database, database_url)
    imap = await asyncio.to_thread(check_imap, notifier.imap)
    temporal, smtp, telegram = await asyncio.gather(
        check_temporal(settings), check_smtp(smtp_settings), check_telegram(notifier.telegram)
    )
    from hanchot.doctor_zalo import check_zalo

    zalo = await asyncio.to_thread(check_zalo, notifier.zalo, database_url)
    checks = [database, temporal, smtp, imap, telegram, *zalo]
    if running:
        checks.append(await check_dashboard(running.dashboard))
    return checks


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
