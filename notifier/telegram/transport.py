"""Sending to Telegram with python-telegram-bot, paced within the Bot API's limits.

At most 30 messages in any second per bot and 1 per second per chat: every send waits
for its permits from a process-wide `Pacer`, with a margin below both limits. A 429
holds the whole bot for `retry_after` seconds and the message is sent again after it
(up to `max_rate_retries` times) before it is reported as a transient error carrying
the delay.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, ClassVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from notifier.base import Outgoing, Sent, TransportError
from notifier.pacing import Pacer
from notifier.settings import TelegramSettings
from notifier.telegram.split import plain, split
from store.enums import Channel as ChannelName

log = logging.getLogger(__name__)

GLOBAL_RATE = 30.0
CHAT_RATE = 1.0
PART_RETRIES = 5
"""Transient failures of the second or later part of a long text retried in place."""


class ChatMoved(TransportError):
    """The group became a supergroup with a new id: rebind and send again."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(f"chat {old} migrated to {new}")
        self.old = old
        self.new = new


def seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: Exception, chat_id: str, pacer: Pacer | None = None) -> TransportError:
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, RetryAfter):
        wait = seconds(exc.retry_after)
        if pacer is not None:
            pacer.hold(wait)
        return TransportError(f"rate limited: retry after {wait:g}s", retry_after=wait)
    if isinstance(exc, ChatMigrated):
        return ChatMoved(chat_id, str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return TransportError(f"forbidden: {exc.message}", address=True)
    if isinstance(exc, BadRequest):
        text = exc.message.lower()
        if "chat not found" in text or "user not found" in text or "peer_id_invalid" in text:
            return TransportError(f"bad request: {exc.message}", address=True)
        return TransportError(f"bad request: {exc.message}", permanent=True)
    if isinstance(exc, InvalidToken):
        return TransportError("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN")
    if isinstance(exc, (TimedOut, NetworkError, TelegramError, OSError, asyncio.TimeoutError)):
        return TransportError(f"{type(exc).__name__}: {exc}")
    return TransportError(f"unexpected {type(exc).__name__}: {exc}")


def make_bot(settings: TelegramSettings, pool_size: int = 32) -> Bot:
    request = HTTPXRequest(
        connection_pool_size=pool_size,
        read_timeout=settings.timeout,
        write_timeout=settings.timeout,
        connect_timeout=settings.timeout,
        pool_timeout=settings.timeout,
    )
    return Bot(
        str(settings.token),
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=request,
    )


def markup(message: Outgoing) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(b.text, callback_data=b.data)
                for b in row
            ]
            for row in message.buttons
        ]
    )


class TelegramChannel:
    name: ClassVar[ChannelName] = ChannelName.TELEGRAM
    body_maxlen: ClassVar[int] = 4096
    attachment_support: ClassVar[bool] = True
    request_rate_per_sec: ClassVar[float] = GLOBAL_RATE
    recipient_rate_per_sec: ClassVar[float] = CHAT_RATE
    max_rate_retries: ClassVar[int] = 3
    parallel_recipients: ClassVar[bool] = True
    """The relay sends to many chats at once; the pacer keeps the pace."""
    merge_same_kind: ClassVar[bool] = True
    """Reminders that pile up for one chat go as one message (`notifier.merge`)."""

    def __init__(
        self, settings: TelegramSettings, pacer: Pacer | None = None, bot: Bot | None = None
    ) -> None:
        self.settings = settings
        self.pacer = pacer or Pacer(self.request_rate_per_sec, self.recipient_rate_per_sec)
        self.bot = bot or make_bot(settings)
        self._ready = asyncio.Lock()
        self._initialised = False

    async def _bot(self) -> Bot:
        async with self._ready:
            if not self._initialised:
                try:
                    await self.bot.initialize()  # getMe: proves the token
                except Exception as exc:
                    raise classify(exc, "") from exc
                self._initialised = True
        return self.bot

    async def send(self, message: Outgoing) -> Sent:
        """The message in as many Telegram messages as it needs (`split`), the buttons
        on the last; the id is the first's. Should Telegram still refuse a part's
        markup, that part goes as plain text rather than not at all."""
        bot = await self._bot()
        chat_id = message.address
        html = bool(message.chat_html)
        parts = split(message.chat_html or message.text, self.body_maxlen, html)
        first: str | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            for attempt in range(PART_RETRIES + 1):
                try:
                    sent = await self._send_part(bot, chat_id, part, html, message, last)
                    break
                except TransportError as exc:
                    # Once a part is out, the next is retried here: retrying the whole
                    # message later would send the parts already out a second time.
                    if index == 0 or exc.permanent or attempt == PART_RETRIES:
                        raise
                    log.info("telegram part %d/%d to %s: retried", index + 1, len(parts), chat_id)
                    if exc.retry_after is None:  # a 429 is waited for by the pacer
                        await asyncio.sleep(1.0)
            first = first or f"{chat_id}:{sent}"
        assert first is not None
        return Sent(first)

    async def _send_part(
        self, bot: Bot, chat_id: str, text: str, html: bool, message: Outgoing, last: bool
    ) -> int:
        """One Telegram message. A 429 holds the whole bot (`classify` holds the pacer)
        and this part is sent again after it, keeping its place instead of going back to
        the outbox's backoff; should Telegram refuse the part's markup, it goes as text."""
        error: TransportError | None = None
        for attempt in range(self.max_rate_retries + 1):
            try:
                as_text = not html
                async with self.pacer.slot(chat_id):
                    try:
                        sent = await self._post(bot, chat_id, text, html, message, last)
                    except BadRequest as exc:
                        if not html or "can't parse entities" not in exc.message.lower():
                            raise
                        log.warning("telegram refused the markup for %s (%s)", chat_id, exc)
                        as_text = True
                if html and as_text:
                    async with self.pacer.slot(chat_id):
                        sent = await self._post(bot, chat_id, plain(text), False, message, last)
            except RetryAfter as exc:
                error = classify(exc, chat_id, self.pacer)
                log.info("telegram 429 for %s (try %d): %s", chat_id, attempt + 1, error.message)
                continue
            except Exception as exc:
                error = classify(exc, chat_id, self.pacer)
                log.info("telegram send to %s failed (%s): %s", chat_id, error.kind, error.message)
                raise error from exc
            return int(sent.message_id)
        assert error is not None
        raise error

    @staticmethod
    async def _post(
        bot: Bot, chat_id: str, text: str, html: bool, message: Outgoing, last: bool
    ) -> Any:
        return await bot.send_message(
            chat_id=chat_id,
            text=text,
            parse_mode=ParseMode.HTML if html else None,
            reply_markup=markup(message) if last else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )

    async def call(self, method: str, chat_id: str | None = None, **kwargs: Any) -> Any:
        """Any other Bot API call, paced like a send when it writes to a chat."""
        bot = await self._bot()
        try:
            if chat_id is None:
                return await getattr(bot, method)(**kwargs)
            async with self.pacer.slot(chat_id):
                return await getattr(bot, method)(**kwargs)
        except Exception as exc:
            raise classify(exc, chat_id or "", self.pacer) from exc

    async def aclose(self) -> None:
        if self._initialised:
            await self.bot.shutdown()
            self._initialised = False
