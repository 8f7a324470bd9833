"""The webhook endpoint bounds what a request costs before its secret is checked:
connections, header count and size, the time to send them, the body's declared length."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from notifier.telegram.bot import HanchotBot
from notifier.telegram.webhook import MAX_BODY, WebhookServer
from tests.notifier.world import World

PATH = "/tg/hook"
HEAD = f"POST {PATH} HTTP/1.1\r\nHost: bot.example\r\n".encode()


@asynccontextmanager
async def serving(world: World, **limits: Any) -> AsyncIterator[int]:
    app = HanchotBot(world.store, None, world.settings).application()  # type: ignore[arg-type]
    async with app:
        server = WebhookServer(app, PATH, "bi-mat-webhook", **limits)
        port = await server.start("127.0.0.1", 0)
        try:
            yield port
        finally:
            await server.stop()


async def exchange(port: int, *chunks: bytes) -> bytes:
    """Send `chunks` (as far as the server lets us) and read its answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        pass
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return answer


def status(answer: bytes) -> int:
    return int(answer.split()[1])


async def test_endless_headers_are_refused_before_the_secret(world: World) -> None:
    many = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 100) for i in range(2000))
    async with serving(world) as port:
        assert status(await exchange(port, HEAD, many, b"\r\n")) == 431


async def test_an_oversize_header_line_is_refused(world: World) -> None:
    async with serving(world) as port:
        long = b"X-Long: " + b"a" * 200_000 + b"\r\n\r\n"
        assert status(await exchange(port, HEAD, long)) == 431


async def test_an_oversize_or_unbounded_body_is_refused_unread_without_the_secret(
    world: World,
) -> None:
    async with serving(world) as port:
        big = b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1)
        chunked = b"Transfer-Encoding: chunked\r\n\r\n"
        assert status(await exchange(port, HEAD, big)) == 413
        assert status(await exchange(port, HEAD, chunked)) == 411


async def test_idle_and_slow_connections_are_closed(world: World) -> None:
    async with serving(world, header_timeout=0.3, body_timeout=0.3) as port:
        assert status(await exchange(port)) == 408
        assert status(await exchange(port, HEAD)) == 408  # headers never finished
        secret = b"X-Telegram-Bot-Api-Secret-Token: bi-mat-webhook\r\n"
        slow_body = b"Content-Length: 100\r\n" + secret + b"\r\n{"
        assert status(await exchange(port, HEAD, slow_body)) == 408


async def test_connections_beyond_the_cap_are_turned_away(world: World) -> None:
    async with serving(world, max_connections=5, header_timeout=30) as port:
        idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(5)]
        await asyncio.sleep(0)
        try:
            assert status(await exchange(port)) == 503
        finally:
            for _, writer in idle:
                writer.close()
