"""`hanchot bot`: the Telegram bot process, by long polling or (`--webhook URL`) webhook.

Several may run: long polling only in the holder of the `telegram-polling` lease (the
others stand by, `notifier.telegram.polling`); webhook replicas all check the secret token
derived from the deployment's secret, and none deletes the webhook when it stops (the
others still serve it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.text import Text

MSG = {
    "no_token": "lỗi: cần TELEGRAM_BOT_TOKEN để chạy bot",
    "polling": "hanchot bot (@{username}) đang chạy (long polling khi giữ quyền; các bản "
    "khác chờ). Nhấn Ctrl-C để dừng.",
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
    from notifier.telegram.polling import ALLOWED_UPDATES, polling_while_leading
    from notifier.telegram.webhook import WebhookServer
    from notifier.tokens import webhook_secret

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
        store = store_access()
        app = HanchotBot(store, Engine(client), settings).application()
        async with app:
            await app.start()
            username = app.bot.username
            if webhook is None:
                lease = float(settings.job_lease_seconds)
                async with polling_while_leading(app, store, lease):
                    Console(highlight=False).print(Text(MSG["polling"].format(username=username)))
                    await until_stopped()
            else:
                token = webhook_secret(str(settings.secret))
                server = WebhookServer(app, urlsplit(webhook).path or "/", token)
                await server.start(host, int(port))
                await app.bot.set_webhook(
                    webhook, secret_token=token, allowed_updates=ALLOWED_UPDATES
                )
                text = MSG["webhook"].format(username=username, url=webhook, listen=listen)
                Console(highlight=False).print(Text(text))
                try:
                    await until_stopped()
                finally:
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
