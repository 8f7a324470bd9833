"""Sending to Zalo: the channel behind the one protocol (`notifier.base.Channel`).

A message goes as plain text (Zalo shows no markup) in parts of at most 2,000
characters, the buttons on the last part as `oa.query.hide` buttons whose payload is the
same signed data as the Telegram buttons (`notifier.telegram.keyboard`): a press comes
back as a message carrying it, checked like a Telegram press. An access token Zalo calls
invalid (-216) is set aside and the part sent once more, on the OA's other app when it
has one (`notifier.zalo.oauth`), else on the token renewed; a token that cannot be
renewed keeps the message in the outbox (`held`), never failed.

Pace: Zalo publishes no per-second figure, only the -32 answer past it; sends are paced
by `notifier.pacing.Pacer` (10 a second, one a second per person); `hanchot notify` gives
it the store's shared budgets (`notifier.service.zalo_channel`), so several relays keep to
one OA's pace together.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from notifier.base import Outgoing, Sent, TransportError
from notifier.pacing import Pacer
from notifier.settings import ZaloSettings
from notifier.telegram.split import plain, split
from notifier.zalo.api import (
    PER_USER,
    TEXT_MAX,
    TOKEN_ERRORS,
    ZaloApi,
    ZaloError,
    classify,
    message_body,
)
from notifier.zalo.oauth import TokenSource
from store.enums import Channel as ChannelName

log = logging.getLogger(__name__)


class ZaloChannel:
    name: ClassVar[ChannelName] = ChannelName.ZALO
    body_maxlen: ClassVar[int] = TEXT_MAX
    attachment_support: ClassVar[bool] = False
    request_rate_per_sec: ClassVar[float] = 10.0
    recipient_rate_per_sec: ClassVar[float] = 1.0
    parallel_recipients: ClassVar[bool] = True

    def __init__(
        self,
        settings: ZaloSettings,
        tokens: TokenSource,
        api: ZaloApi | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.api = api or tokens.api
        self.pacer = pacer or Pacer(self.request_rate_per_sec, self.recipient_rate_per_sec)

    async def send(self, message: Outgoing) -> Sent:
        text = plain(message.chat_html) if message.chat_html else message.text
        parts = split(text, self.body_maxlen, markup=False)
        buttons = [(b.text, b.data) for row in message.buttons for b in row if not b.url]
        first = ""
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            body = message_body(message.address, part, buttons if last else [])
            sent = await self._post(message.address, body)
            first = first or sent
        return Sent(f"{message.address}:{first}")

    async def _post(self, user_id: str, body: dict[str, object]) -> str:
        avoid = ""
        for _ in range(2):
            token = await self.tokens.access_token(avoid=avoid)
            try:
                async with self.pacer.slot(user_id):
                    return await self.api.send(token.value, body)
            except ZaloError as exc:
                if exc.code in TOKEN_ERRORS and not avoid:
                    log.info("zalo refused app %s's access token (%s)", token.app_id, exc.code)
                    await self.tokens.refused(token)
                    avoid = token.app_id
                    continue
                error = classify(exc)
                if error.retry_after is not None:  # -218 is this person's quota alone
                    self.pacer.hold(error.retry_after, user_id if exc.code in PER_USER else None)
                raise error from exc
            except TransportError:
                raise
            except Exception as exc:
                raise classify(exc) from exc
        raise TransportError("zalo: the renewed access token was refused too")

    async def reply(self, user_id: str, text: str, buttons: list[tuple[str, str]] = []) -> None:  # noqa: B006
        """An answer to what a person wrote to the OA (plain text)."""
        for index, part in enumerate(parts := split(plain(text), self.body_maxlen, markup=False)):
            last = index == len(parts) - 1
            await self._post(user_id, message_body(user_id, part, buttons if last else []))

    async def aclose(self) -> None:
        await self.api.aclose()
