"""python-telegram-bot's rate-limiter hook, driven by hanchot's pacer: the bot's answers
keep to 30 in any second per bot and 1/s per chat too (in bursts: answers are few and
each is awaited by a person), and a 429 is waited out and retried."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from notifier.pacing import Pacer
from notifier.telegram.transport import CHAT_RATE, GLOBAL_RATE, seconds

CHAT_ENDPOINTS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "copyMessage",
        "forwardMessage",
    }
)


class PacedLimiter(BaseRateLimiter[None]):
    def __init__(self, pacer: Pacer | None = None, max_retries: int = 2) -> None:
        self.pacer = pacer or Pacer(GLOBAL_RATE, CHAT_RATE, spacing=0.0)
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id") if endpoint in CHAT_ENDPOINTS else None
        for attempt in range(self.max_retries + 1):
            try:
                if chat is None:
                    return await callback(*args, **kwargs)
                async with self.pacer.slot(str(chat)):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = seconds(exc.retry_after)
                self.pacer.hold(wait)
                if attempt == self.max_retries:
                    raise
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")
