"""Receiving updates by webhook instead of long polling: a small HTTP endpoint that
checks Telegram's secret-token header and queues each update for the Application.

python-telegram-bot's own webhook server needs the `webhooks` extra (tornado); this one
needs nothing but asyncio, and a reverse proxy terminates TLS in front of it.

Anyone on the network can connect before the secret is checked, so everything a request
costs is bounded first: the number of open connections (`max_connections`; more are
answered 503 and closed), the time to send the headers and then the body (408), the
length of a line, the number and total size of the headers (431), and the body's
declared length (411 without one, 413 above `MAX_BODY`, never read then). One connection
with endless headers took the bot from 134 to 307 MB, and 3,000 idle ones were held.
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

MAX_BODY = 256 * 1024
"""An update is a few kilobytes (a 4,096-character message and its entities)."""
MAX_LINE = 8 * 1024
MAX_HEADERS = 40
MAX_HEADER_BYTES = 16 * 1024
SECRET_HEADER = "x-telegram-bot-api-secret-token"
REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


class Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class WebhookServer:
    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        path: str,
        secret: str,
        *,
        max_connections: int = 64,
        header_timeout: float = 10.0,
        body_timeout: float = 10.0,
    ) -> None:
        self.app = app
        self.path = path
        self.secret = secret
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.open = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port, limit=MAX_LINE)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open += 1
        try:
            if self.open > self.max_connections:
                status = 503
            else:
                status = await self._status(reader)
            writer.write(
                f"HTTP/1.1 {status} {REASONS[status]}\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await asyncio.wait_for(writer.drain(), self.body_timeout)
            await self._linger(reader, writer)
        except (ConnectionError, TimeoutError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Let the client read the answer: closing with its unread bytes still arriving
        would reset the connection and lose it. Bounded in bytes and time."""
        if writer.can_write_eof():
            writer.write_eof()
        discarded = 0
        async with asyncio.timeout(1.0):
            while discarded < 4 * MAX_BODY and (chunk := await reader.read(65536)):
                discarded += len(chunk)

    async def _status(self, reader: asyncio.StreamReader) -> int:
        try:
            async with asyncio.timeout(self.header_timeout):
                request_line, headers = await _head(reader)
            if len(request_line) < 2 or request_line[0] != "POST" or request_line[1] != self.path:
                return 404
            length = _length(headers)
            if not hmac.compare_digest(headers.get(SECRET_HEADER, ""), self.secret):
                log.warning("webhook call without the secret token refused")
                return 403
            async with asyncio.timeout(self.body_timeout):
                body = await reader.readexactly(length)
            data = json.loads(body)
        except Refused as exc:
            return exc.status
        except TimeoutError:
            return 408
        except (asyncio.IncompleteReadError, ValueError, ConnectionError):
            return 400
        await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        return 200


async def _head(reader: asyncio.StreamReader) -> tuple[list[str], dict[str, str]]:
    """The request line and the headers, refused (431) past any bound."""
    size = 0

    async def line() -> bytes:
        nonlocal size
        try:
            data = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError:
            raise Refused(431) from None
        size += len(data)
        if size > MAX_HEADER_BYTES:
            raise Refused(431)
        return data

    request_line = (await line()).decode("latin-1").split()
    headers: dict[str, str] = {}
    count = 0
    while (data := await line()) not in (b"\r\n", b"\n"):
        count += 1
        if count > MAX_HEADERS:
            raise Refused(431)
        name, _, value = data.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return request_line, headers


def _length(headers: dict[str, str]) -> int:
    if "transfer-encoding" in headers or "content-length" not in headers:
        raise Refused(411)
    raw = headers["content-length"]
    if not raw.isdigit() or len(raw) > 12:
        raise Refused(400)
    length = int(raw)
    if length > MAX_BODY:
        raise Refused(413)
    if length == 0:
        raise Refused(400)
    return length
