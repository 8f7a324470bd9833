"""How the bot takes its updates: one chat's in order, different chats in parallel, and a
chat that writes too much (a stranger above all) dropped before any work is done.

python-telegram-bot handles one update at a time by default, so one slow answer (a chat
waiting for its one-second slot, a workflow update) held every other chat: 30 `/start`
from a stranger delayed a linked user's `/status` by 29 s. Here each update runs in its
own task, under a lock of its chat: a person's button press and the document that
answers it keep their order, while other chats go on.

The `Gate` is a token bucket per chat, consulted before the update reaches any handler
(no database read, no answer). A chat the bot found linked to nobody is a stranger: it
gets a few updates (enough to send `/start CODE` and read the answer) and then nothing
for a while; all strangers together share one more budget, so many accounts cannot
flood the database either. A chat that links is no longer a stranger.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Budget:
    """At most `burst` updates at once, then one every `every` seconds."""

    burst: float
    every: float


PERSON = Budget(burst=20, every=0.5)
"""A linked person (or a chat not yet known): far above what a hand can type or press."""
STRANGER = Budget(burst=3, every=60)
"""A chat linked to nobody: `/start`, `/start CODE` and one more, then one a minute."""
ALL_STRANGERS = Budget(burst=30, every=1)
"""Every stranger together: the database reads strangers can cause, bot-wide."""


class _Bucket:
    __slots__ = ("at", "tokens")

    def __init__(self, budget: Budget, now: float) -> None:
        self.tokens = budget.burst
        self.at = now

    def take(self, budget: Budget, now: float) -> bool:
        self.tokens = min(budget.burst, self.tokens + (now - self.at) / budget.every)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Gate:
    def __init__(
        self,
        person: Budget = PERSON,
        stranger: Budget = STRANGER,
        all_strangers: Budget = ALL_STRANGERS,
        *,
        max_chats: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.person, self.stranger, self.all_strangers = person, stranger, all_strangers
        self._clock = clock
        self._max_chats = max_chats
        self._chats: OrderedDict[int, _Bucket] = OrderedDict()
        self._strangers: OrderedDict[int, _Bucket] = OrderedDict()
        self._strangers_bucket = _Bucket(all_strangers, clock())
        self.dropped = 0

    def _drop(self, chat_id: int) -> bool:
        self.dropped += 1
        log.debug("update from chat %s dropped: over its budget", chat_id)
        return False

    def admit(self, chat_id: int) -> bool:
        """Whether this chat's update may even wait for its turn (any chat's budget)."""
        now = self._clock()
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = _Bucket(self.person, now)
            _bound(self._chats, self._max_chats)
        self._chats.move_to_end(chat_id)
        return bucket.take(self.person, now) or self._drop(chat_id)

    def turn(self, chat_id: int) -> bool:
        """Whether this update, its turn come, may be handled: a stranger's only within
        the stranger's budget and all strangers' together."""
        bucket = self._strangers.get(chat_id)
        if bucket is None:
            return True
        now = self._clock()
        if bucket.take(self.stranger, now) and self._strangers_bucket.take(self.all_strangers, now):
            return True
        return self._drop(chat_id)

    def stranger_seen(self, chat_id: int) -> None:
        """The chat is linked to nobody: from now on, a stranger's budget, of which the
        update that showed it took one."""
        if chat_id not in self._strangers:
            now = self._clock()
            bucket = self._strangers[chat_id] = _Bucket(self.stranger, now)
            bucket.take(self.stranger, now)
            self._strangers_bucket.take(self.all_strangers, now)
            _bound(self._strangers, self._max_chats)

    def linked(self, chat_id: int) -> None:
        self._strangers.pop(chat_id, None)


def _bound(chats: OrderedDict[int, _Bucket], size: int) -> None:
    while len(chats) > size:
        chats.popitem(last=False)


def chat_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerChatProcessor(BaseUpdateProcessor):
    """Updates concurrently, one chat's in order, each first admitted by the `Gate`."""

    def __init__(self, gate: Gate, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.gate = gate
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = chat_of(update)
        if chat is None:
            await coroutine
            return
        if not self.gate.admit(chat):
            _discard(coroutine)
            return
        lock, users = self._locks.setdefault(chat, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                if self.gate.turn(chat):
                    await coroutine
                else:
                    _discard(coroutine)
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[chat]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _discard(coroutine: Awaitable[Any]) -> None:
    """An update not handled: its (never started) coroutine closed without a warning."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
