"""SMTP delivery with aiosmtplib: a small pool of connections reused across a burst,
every failure classified permanent (bad address, refused message) or transient; paced
when the server has a limit (SMTP_MAX_PER_MINUTE, shared by every relay: `pacer`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from email.message import EmailMessage
from typing import ClassVar

import aiosmtplib

from notifier.base import Outgoing, Sent, TransportError
from notifier.email.message import build, check_address, envelope_sender, render
from notifier.pacing import Pacer
from notifier.settings import SmtpSettings
from store.enums import Channel as ChannelName

log = logging.getLogger(__name__)

ADDRESS_CODES = {550, 551, 553}
"""RCPT answers that mean the mailbox does not exist or the address is malformed."""


def classify(exc: Exception) -> TransportError:
    """What an aiosmtplib error means for delivery."""
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        if refused and all(r.code >= 500 for r in refused):
            address = any(r.code in ADDRESS_CODES for r in refused)
            text = "; ".join(f"{r.code} {r.message}" for r in refused)
            return TransportError(f"recipient refused: {text}", address=address, permanent=True)
        return TransportError(f"recipient deferred: {exc}")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # Our configuration, not the message: retry, so nothing is lost once it is fixed.
        return TransportError(f"SMTP login refused ({exc.code}): check SMTP_USER/SMTP_PASSWORD")
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not isinstance(
        exc, aiosmtplib.SMTPServerDisconnected
    ):
        if 500 <= exc.code < 600:
            return TransportError(f"message refused: {exc.code} {exc.message}", permanent=True)
        return TransportError(f"server busy: {exc.code} {exc.message}")
    if isinstance(exc, (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError)):
        return TransportError(f"{type(exc).__name__}: {exc}")
    return TransportError(f"unexpected {type(exc).__name__}: {exc}")


class _Pool:
    """Up to `size` open connections; an idle one is closed after `idle_seconds`."""

    def __init__(self, settings: SmtpSettings, size: int, idle_seconds: float) -> None:
        self._settings = settings
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._slots = asyncio.Semaphore(size)
        self._idle_seconds = idle_seconds
        self.opened = 0

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.host or "127.0.0.1",
            port=s.port,
            use_tls=s.security == "ssl",
            start_tls=s.security == "starttls",
            username=s.user or None,
            password=str(s.password) or None,
            timeout=s.timeout,
        )

    async def _take(self) -> aiosmtplib.SMTP:
        now = time.monotonic()
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and now - since < self._idle_seconds:
                return client
            await _quit(client)
        client = self._client()
        await client.connect()
        self.opened += 1
        return client

    @contextlib.asynccontextmanager
    async def connection(self, fresh: bool = False):  # type: ignore[no-untyped-def]
        async with self._slots:
            if fresh:
                for client, _ in self._idle:
                    await _quit(client)
                self._idle.clear()
            client = await self._take()
            ok = False
            try:
                yield client
                ok = True
            finally:
                if ok and client.is_connected:
                    self._idle.append((client, time.monotonic()))
                else:
                    await _quit(client)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client, _ in idle:
            await _quit(client)


async def _quit(client: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(Exception):
        if client.is_connected:
            await client.quit()
    with contextlib.suppress(Exception):
        client.close()


class EmailChannel:
    name: ClassVar[ChannelName] = ChannelName.EMAIL
    body_maxlen: ClassVar[int] = 1_000_000
    attachment_support: ClassVar[bool] = True
    request_rate_per_sec: ClassVar[float] = 0
    recipient_rate_per_sec: ClassVar[float] = 0

    def __init__(
        self, settings: SmtpSettings, idle_seconds: float = 30.0, pacer: Pacer | None = None
    ) -> None:
        self.settings = settings
        self._pool = _Pool(settings, settings.pool_size, idle_seconds)
        self.pacer = pacer
        """The server's limit, if it has one: one key, the server."""

    @property
    def connections_opened(self) -> int:
        return self._pool.opened

    async def send(self, message: Outgoing) -> Sent:
        address = check_address(message.address)
        data = render(message, self.settings.sender)
        mime = build(message, self.settings.sender) if data is None else None
        try:
            await self._send(data, address, mime)
        except aiosmtplib.SMTPServerDisconnected:
            # A pooled connection the server had dropped while idle: one fresh try.
            try:
                await self._send(data, address, mime, fresh=True)
            except Exception as exc:
                raise classify(exc) from exc
        except Exception as exc:
            raise classify(exc) from exc
        if mime is not None:
            return Sent(str(mime["Message-ID"] or ""))
        return Sent(message.message_id or "")

    async def _send(
        self, data: bytes | None, address: str, mime: EmailMessage | None, fresh: bool = False
    ) -> None:
        """The rendered bytes (7-bit: no 8BITMIME needed), or the email package's
        message, which aiosmtplib flattens for the server's extensions."""
        async with contextlib.AsyncExitStack() as paced:
            if self.pacer is not None and not fresh:  # a fresh retry: the same message
                await paced.enter_async_context(self.pacer.slot("server"))
            client = await paced.enter_async_context(self._pool.connection(fresh))
            if data is not None:
                await client.sendmail(envelope_sender(self.settings.sender), [address], data)
            else:
                await client.send_message(mime)

    async def aclose(self) -> None:
        await self._pool.close()
