"""Receiving updates by webhook instead of long polling: a small HTTP endpoint that
checks Telegram's secret-token header and queues each update for the Application.

python-telegram-bot's own webhook server needs the `webhooks` extra (tornado); this one
needs nothing but asyncio, and a reverse proxy terminates TLS in front of it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
SECRET_HEADER = "x-telegram-bot-api-secret-token"


class WebhookServer:
    def __init__(
        self, app: Application[Any, Any, Any, Any, Any, Any], path: str, secret: str
    ) -> None:
        self.app = app
        self.path = path
        self.secret = secret
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status = await self._handle(reader)
        except (asyncio.IncompleteReadError, ValueError, ConnectionError):
            status = 400
        reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader) -> int:
        request_line = (await reader.readline()).decode("latin-1").split()
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if len(request_line) < 2 or request_line[0] != "POST" or request_line[1] != self.path:
            return 404
        if not hmac.compare_digest(headers.get(SECRET_HEADER, ""), self.secret):
            log.warning("webhook call without the secret token refused")
            return 403
        length = int(headers.get("content-length", "0"))
        if not 0 < length <= MAX_BODY:
            return 400
        data = json.loads(await reader.readexactly(length))
        await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        return 200
