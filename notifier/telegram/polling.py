"""Long polling by one bot at a time: Telegram answers a second getUpdates with 409
Conflict (and updates may go to either), so with several `hanchot bot` processes only
the holder of the `telegram-polling` lease polls (`notifier.leader`); the others wait,
and one takes over within the lease when the holder dies. Webhook mode needs no lease:
Telegram posts each update once, to whichever replica the proxy chooses, all of them
checking the same secret (`notifier.tokens.webhook_secret`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram.ext import Application

from notifier.delivery import Store
from notifier.leader import TELEGRAM_POLLING, Leader, leading

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]


def poll_timeout(lease_seconds: float) -> int:
    """getUpdates' long-poll timeout: a holder that stops must see its last poll return
    well inside the third of the lease between it stopping and another taking over."""
    return max(1, min(10, int(lease_seconds / 6)))


@contextlib.asynccontextmanager
async def polling_while_leading(
    app: Application[Any, Any, Any, Any, Any, Any],
    store: Store,
    lease_seconds: float,
    leader: Leader | None = None,
) -> AsyncIterator[Leader]:
    """Poll for updates while this process holds the lease, for the block's length."""
    leader = leader or Leader(store, TELEGRAM_POLLING, lease_seconds)
    updater = app.updater
    assert updater is not None

    async def start() -> None:
        await app.bot.delete_webhook()
        await updater.start_polling(
            timeout=poll_timeout(lease_seconds), allowed_updates=ALLOWED_UPDATES
        )
        log.info("telegram: long polling (this process holds the lease)")

    async def stop() -> None:
        if updater.running:
            await updater.stop()
            log.info("telegram: long polling stopped (lease given up or lost)")

    async with leading(leader, start, stop):
        yield leader
