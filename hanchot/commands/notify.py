"""`hanchot notify` (the process that sends and reads replies) and `hanchot link`
(a one-time code binding a person's Telegram account, emailed as a t.me link)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

MSG = {
    "ready": "hanchot notify đang chạy: gửi email{smtp}, Telegram {telegram}, "
    "đọc hộp thư {imap}. Hàng đợi {queue}. Nhấn Ctrl-C để dừng.",
    "stopped": "Đã dừng.",
    "no_person": "lỗi: không có người '{ref}' trong lịch nào đã nạp",
    "ambiguous": "lỗi: '{ref}' có trong nhiều lịch ({calendars}); ghi rõ lich/nguoi",
    "no_email": "lỗi: {name} không có địa chỉ email trong lịch để nhận mã liên kết",
    "no_bot": (
        "lỗi: chưa có kênh nào để liên kết: cần ZALO_OA_ID, ZALO_APP_ID, ZALO_APP_SECRET "
        "(Zalo) hoặc TELEGRAM_BOT_TOKEN/TELEGRAM_BOT_USERNAME (Telegram)"
    ),
    "issued": "Đã cấp mã liên kết cho {name}, hết hạn {expires}.\n  Liên kết: {url}",
    "sent": "Đã gửi email tới {email}.",
    "queued": "Email tới {email} nằm trong outbox; hanchot notify sẽ gửi ({why}).",
    "settings": "lỗi cấu hình: {detail}",
    "err_connect": "lỗi: không kết nối được Temporal tại {address}: {detail}",
}


def _out() -> Console:
    return Console(highlight=False)


def _fail(message: str, code: int = 1) -> typer.Exit:
    Console(stderr=True, highlight=False).print(Text(message, style="red"))
    return typer.Exit(code)


def _settings():  # type: ignore[no-untyped-def]
    from notifier.settings import NotifierSettings, SettingsError

    try:
        return NotifierSettings.from_env()
    except SettingsError as exc:
        raise _fail(MSG["settings"].format(detail=exc), 2) from None


def notify() -> None:
    """Chạy tiến trình gửi tin: email, Telegram, quét outbox và đọc thư trả lời (IMAP)."""
    from temporalio.client import Client

    from activities.delivery_contract import delivery_queue
    from hanchot.commands._observe import serve_metrics, setup_logging, temporal_runtime
    from hanchot.commands.engine import until_stopped
    from hanchot.notify import run_notifier
    from hanchot.settings import Settings
    from hanchot.worker import store_access

    settings = _settings()
    engine = Settings.from_env()
    setup_logging(engine, settings.secrets())
    store = store_access()
    metrics = serve_metrics(engine, store)
    runtime = temporal_runtime(engine)

    async def run() -> None:
        try:
            client = await Client.connect(
                engine.temporal_address, namespace=engine.namespace, runtime=runtime
            )
        except RuntimeError as exc:
            detail = MSG["err_connect"].format(address=engine.temporal_address, detail=exc)
            raise _fail(detail) from None
        async with run_notifier(client, store, settings, engine.task_queue) as running:
            smtp = running.settings.smtp
            where = f" qua {smtp.host}:{smtp.port}"
            if running.mail_server is not None:
                where = f" vào máy chủ cục bộ (thư lưu trong {running.mail_server.maildir})"
            text = MSG["ready"].format(
                smtp=where,
                telegram="bật" if settings.telegram.enabled else "tắt (tin giữ trong outbox)",
                imap=settings.imap.host or "tắt",
                queue=delivery_queue(engine.task_queue),
            )
            _out().print(Text(text))
            await until_stopped()

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run())
    finally:
        if metrics is not None:
            metrics.close()
    _out().print(MSG["stopped"])


def link(
    person: Annotated[str, typer.Argument(help="Người nhận: lich/nguoi hoặc mã người")],
    hours: Annotated[int, typer.Option("--hours", help="Mã hết hạn sau số giờ này")] = 48,
) -> None:
    """Cấp mã liên kết dùng một lần cho một người và gửi email hướng dẫn liên kết Zalo, Telegram."""
    import getpass

    from deadlines import bounds
    from hanchot.commands._observe import setup_logging
    from hanchot.commands.deadlines import bounded
    from hanchot.settings import Settings
    from hanchot.worker import store_access
    from notifier.linking import LinkError, issue_link

    bounded(bounds.check_ref, person)
    bounded(lambda h: bounds.check_count(h, 1, bounds.LINK_MAX_HOURS, "--hours"), hours)
    settings = _settings()
    setup_logging(Settings.from_env(), settings.secrets(), level="warning")
    store = store_access()
    try:
        issued = asyncio.run(
            issue_link(store, settings, person, f"cli:{getpass.getuser()}", timedelta(hours=hours))
        )
    except LinkError as exc:
        raise _fail(MSG[exc.key].format(**exc.values)) from None
    _out().print(
        Text(MSG["issued"].format(name=issued.name, expires=issued.expires_text, url=issued.url))
    )
    if issued.sent:
        _out().print(Text(MSG["sent"].format(email=issued.email)))
    else:
        _out().print(Text(MSG["queued"].format(email=issued.email, why=issued.why)))


def register(app: typer.Typer) -> None:
    app.command("notify")(notify)
    app.command("link")(link)
