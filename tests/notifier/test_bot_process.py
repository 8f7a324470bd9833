"""The bot as `hanchot bot` runs it: long polling against the fake server's getUpdates,
and the webhook endpoint with its secret token."""

from __future__ import annotations

import asyncio
import json

import httpx

from notifier.telegram.bot import HanchotBot
from notifier.telegram.webhook import SECRET_HEADER, WebhookServer
from store import links
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import World
from tests.workflows.support import until


def code_for(world: World, person: str) -> str:
    with world.store.write() as session:
        return links.issue(session, links.find_person(session, person)[0], "test").code


async def test_long_polling_receives_and_answers(world: World, telegram: FakeTelegram) -> None:
    code = code_for(world, "fp-a")
    app = HanchotBot(world.store, None, world.settings).application()  # type: ignore[arg-type]
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        telegram.push(telegram.message(7007, f"/start {code}"))

        async def answered() -> bool:
            return bool(telegram.texts(7007))

        await until(answered, "the bot's answer")
        await app.updater.stop()
        await app.stop()
    assert "Đã liên kết Telegram với Trần Văn A" in telegram.texts(7007)[0]


async def test_the_webhook_takes_updates_only_with_its_secret(
    world: World, telegram: FakeTelegram
) -> None:
    app = HanchotBot(world.store, None, world.settings).application()  # type: ignore[arg-type]
    async with app:
        await app.start()
        server = WebhookServer(app, "/tg/hook", "bi-mat-webhook")
        port = await server.start("127.0.0.1", 0)
        await app.bot.set_webhook("https://bot.example/tg/hook", secret_token="bi-mat-webhook")
        update = json.dumps(telegram.message(8008, "/start")).encode()
        url = f"http://127.0.0.1:{port}/tg/hook"
        async with httpx.AsyncClient() as http:
            forged = await http.post(url, content=update, headers={SECRET_HEADER: "sai"})
            wrong_path = await http.post(url + "x", content=update)
            genuine = await http.post(
                url, content=update, headers={SECRET_HEADER: "bi-mat-webhook"}
            )

        async def answered() -> bool:
            return bool(telegram.texts(8008))

        await until(answered, "the bot's answer")
        await server.stop()
        await app.stop()
    assert (forged.status_code, wrong_path.status_code, genuine.status_code) == (403, 404, 200)
    assert telegram.webhook == "https://bot.example/tg/hook"
    assert len(telegram.texts(8008)) == 1 and "Để liên kết" in telegram.texts(8008)[0]
    _ = asyncio
