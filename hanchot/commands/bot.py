"""`hanchot bot`: the Telegram bot process, by long polling or (`--webhook URL`) webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.text import Text

MSG = {
    "no_token": "lỗi: cần TELEGRAM_BOT_TOKEN để chạy bot",
    "polling": "hanchot bot (@{username}) đang chạy (long polling). Nhấn Ctrl-C để dừng.",
    "webhook": "hanchot bot (@{username}) nhận webhook tại {url} (nghe {listen}). "
    "Nhấn Ctrl-C để dừng.",
    "bad_listen": "lỗi: --listen phải có dạng host:port, ví dụ 127.0.0.1:8443",
    "err_connect": "lỗi: không kết nối được Temporal tại {address}: {detail}",
    "stopped": "Đã dừng.",
}


def bot(
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="URL công khai nhận webhook (mặc định: long polling)"),
    ] = None,
    listen: Annotated[
        str, typer.Option("--listen", help="Địa chỉ nghe webhook, host:port")
    ] = "127.0.0.1:8443",
) -> None:
    """Chạy bot Telegram: liên kết tài khoản, /status, nút Đã nộp / Xin gia hạn / Nhắc lại sau."""
    from temporalio.client import Client

    from hanchot.commands._observe import serve_metrics, setup_logging, temporal_runtime
    from hanchot.commands.engine import until_stopped
    from hanchot.commands.notify import _fail, _settings
    from hanchot.settings import Settings
    from hanchot.worker import store_access
    from notifier.inbound import Engine
    from notifier.telegram.bot import HanchotBot
    from notifier.telegram.webhook import WebhookServer

    settings = _settings()
    if not settings.telegram.enabled:
        raise _fail(MSG["no_token"], 2)
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise _fail(MSG["bad_listen"], 2)
    engine = Settings.from_env()
    setup_logging(engine, settings.secrets())
    metrics = serve_metrics(engine)  # the Telegram replies counted by notifier.inbound
    runtime = temporal_runtime(engine)
    log = logging.getLogger("hanchot.bot")

    async def run() -> None:
        try:
            client = await Client.connect(
                engine.temporal_address, namespace=engine.namespace, runtime=runtime
            )
        except RuntimeError as exc:
            detail = MSG["err_connect"].format(address=engine.temporal_address, detail=exc)
            raise _fail(detail) from None
        app = HanchotBot(store_access(), Engine(client), settings).application()
        async with app:
            await app.start()
            username = app.bot.username
            if webhook is None:
                await app.bot.delete_webhook()
                assert app.updater is not None
                await app.updater.start_polling(allowed_updates=["message", "callback_query"])
                Console(highlight=False).print(Text(MSG["polling"].format(username=username)))
                await until_stopped()
                await app.updater.stop()
            else:
                token = secrets.token_urlsafe(24)
                server = WebhookServer(app, urlsplit(webhook).path or "/", token)
                await server.start(host, int(port))
                await app.bot.set_webhook(
                    webhook, secret_token=token, allowed_updates=["message", "callback_query"]
                )
                text = MSG["webhook"].format(username=username, url=webhook, listen=listen)
                Console(highlight=False).print(Text(text))
                try:
                    await until_stopped()
                finally:
                    await app.bot.delete_webhook()
                    await server.stop()
            await app.stop()
        log.info("bot stopped")

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run())
    finally:
        if metrics is not None:
            metrics.close()
    Console(highlight=False).print(MSG["stopped"])


def register(app: typer.Typer) -> None:
    app.command("bot")(bot)
