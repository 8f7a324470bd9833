"""The process-wide pace of a channel: a budget for the whole channel and one per address.

Telegram allows at most 30 messages in any sliding second per bot and one per second per
chat, and answers 429 past either. Each send waits, in order, for two permits:

- its address's: one second (`1/per_key_rate`) plus `key_margin` after the answer to
  that address's previous send; a key's sends queue behind each other, so a chat
  waiting for its second holds back only itself;
- the channel's: sends spaced `spacing` apart (`1/rate` by default: a steady stream,
  each request alone on the wire), and never more than `rate` within `window` plus
  `margin` of each other. The bot's answers use no spacing: twenty people pressing a
  button at once get their twenty answers in a burst the sliding second allows.

Both are measured from when each earlier send was answered (`slot`): it had reached the
provider by then, so however late a request leaves this process or crosses the wire,
its successor cannot arrive inside its second. A send still unanswered counts from when
it was let go plus `margin`. The fixed grid of earlier versions let a 31st send arrive a
few milliseconds inside the second, and a flat margin on release times was still beaten
by a loaded machine (one 429 in 2,000). A 429's `retry_after` is applied with `hold`, to
one address or to the whole channel.

Several relays (issue 20) pace one bot together: a pacer given `shared` also takes each
send's slot from the store (`SharedBudgets`, `store.budgets`: the channel's budget and
the address's), after its own permits, while other relays send under the same budget,
so the limits hold across processes. Its own permits stay the fast path: within one
relay they are finer (measured from answers), and a relay alone asks only them.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from store import budgets
from store.base import utcnow
from store.budgets import Budget

SETTLE = 0.005
"""Beyond the answer of a send, for the provider's own clock (the same host, in tests)."""
SHARED_MARGIN = 0.05
"""Added to a shared budget's window: the store records when a send was let go, and
the provider counts when it arrived."""
SHARED_KEY_MARGIN = 0.1
"""The same for one address, whose one-second gap a late send would break alone."""


PRESENCE = timedelta(seconds=1)
"""How often a sending relay says so in the store (`store.budgets.present`)."""
PRESENCE_TTL = 3 * PRESENCE
FORGET = timedelta(days=2)
"""Budgets (a chat's, a stopped relay's) nobody took for this long are dropped, hourly."""


class SharedBudgets:
    """The store's side of a pacer: a budget for the channel and, if `per_key` gives one,
    for the address; each send takes a slot of both at once, while other relays send
    under the same budget. Alone, a relay's own pacer is exact and the store is not asked
    per send (one write a second says it is sending); a relay that finds others already
    sending waits until they have seen it and recorded a window of their sends."""

    def __init__(
        self,
        store: Any,
        channel: Budget,
        per_key: Callable[[str], Budget | None] = lambda _: None,
        ahead: float = 1.0,
        instance: str | None = None,
    ) -> None:
        self.store = store
        self.channel = channel
        self.per_key = per_key
        self.ahead = ahead
        self.instance = instance or secrets.token_hex(6)
        self.others = 0
        self._said = float("-inf")
        self._joined = float("-inf")
        self._forgot = float("-inf")
        self._asking = asyncio.Lock()

    def _present(self) -> budgets.Presence:
        with self.store.write() as session:
            now = utcnow()
            if time.monotonic() - self._forgot > 3600:
                self._forgot = time.monotonic()
                budgets.forget(session, FORGET, now)
            return budgets.present(session, self.channel.key, self.instance, now, PRESENCE_TTL)

    async def active(self) -> bool:
        """Whether other relays send under this budget (asked at most once a `PRESENCE`;
        the sends meanwhile wait for the answer, the first time and while joining)."""
        async with self._asking:
            if time.monotonic() - self._said >= PRESENCE.total_seconds():
                presence = await asyncio.to_thread(self._present)
                self._said = time.monotonic()
                self.others = presence.others
                if presence.others and not presence.known:
                    # They have been sending on their own pacers, unrecorded: wait until
                    # they see this relay and their sends of a whole window are recorded.
                    self._joined = self._said + 2 * PRESENCE.total_seconds() + self.channel.window
        if (wait := self._joined - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        return self.others > 0

    @classmethod
    def of(
        cls, store: Any, prefix: str, rate: float, window: float, per_key_rate: float = 0.0
    ) -> SharedBudgets:
        """Budgets named `prefix` (the provider's account) for `rate` sends per `window`
        seconds, and `per_key_rate` per second to one address (0: none)."""
        # One send fewer than the limit: a send let go late (a loaded machine) is then
        # still not the one too many in the provider's window.
        channel = Budget(prefix, window + SHARED_MARGIN, max(1, int(rate * window) - 1))

        def per_key(key: str) -> Budget | None:
            if per_key_rate <= 0:
                return None
            return Budget(f"{prefix}:to:{key}"[:255], 1 / per_key_rate + SHARED_KEY_MARGIN, 1)

        return cls(store, channel, per_key)

    def _take(self, keyed: list[Budget]) -> budgets.Slot:
        with self.store.write() as session:
            return budgets.take(session, keyed, time.time, self.ahead)

    async def take(self, key: str) -> None:
        """Return when this send's slot has come (taken in the store)."""
        keyed = [self.channel, *filter(None, [self.per_key(key)])]
        while True:
            slot = await asyncio.to_thread(self._take, keyed)
            if (wait := slot.at - time.time()) > 0:
                await asyncio.sleep(wait)
            if slot.granted:
                return


class Pacer:
    def __init__(
        self,
        rate: float,
        per_key_rate: float,
        *,
        window: float = 1.0,
        margin: float = 0.05,
        key_margin: float = 0.02,
        spacing: float | None = None,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedBudgets | None = None,
    ) -> None:
        self.shared = shared
        self.rate = rate
        self.per_key_rate = per_key_rate
        self.window = window
        self.margin = margin
        self.key_margin = key_margin
        self.spacing = (1 / rate if rate > 0 else 0.0) if spacing is None else spacing
        self._clock = clock
        self._sleep = sleep
        self._budget = max(1, int(rate * window)) if rate > 0 else 0
        self._sent: deque[list[float]] = deque(maxlen=self._budget or 1)
        """[released, answered] of the last `rate` sends (answered -1 while in flight)."""
        self._last = float("-inf")
        self._next_by_key: OrderedDict[str, float] = OrderedDict()
        self._max_keys = max_keys
        self._held_until = 0.0
        self._channel = asyncio.Lock()
        self._keys: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @property
    def key_gap(self) -> float:
        return 1 / self.per_key_rate + self.key_margin if self.per_key_rate > 0 else 0.0

    def _channel_at(self) -> float:
        """The earliest moment the channel takes its next send."""
        at = self._held_until
        if self._budget:
            at = max(at, self._last + self.spacing)
            if len(self._sent) == self._budget:
                released, answered = self._sent[0]
                if answered >= 0:  # it reached the provider before its answer came back
                    at = max(at, answered + self.window + SETTLE)
                else:
                    at = max(at, released + self.window + self.margin)
        return at

    async def _until(self, moment: Callable[[], float]) -> float:
        while (wait := moment() - self._clock()) > 0:
            await self._sleep(wait)
        return self._clock()

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        """Send to `key` inside this block: it starts when the limits allow, and its end
        (the provider's answer) is what the next sends to `key`, and the send `rate`
        places later, are measured from."""
        lock, users = self._keys.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                await self._until(lambda: max(self._held_until, self._next_by_key.get(key, 0.0)))
                # Asked before the channel's turn: alone, the turn itself awaits nothing.
                shared = self.shared if self.shared and await self.shared.active() else None
                async with self._channel:
                    ready = lambda: max(self._channel_at(), self._next_by_key.get(key, 0.0))  # noqa: E731
                    now = await self._until(ready)
                    while shared is not None:
                        await shared.take(key)
                        now = self._clock()
                        if now >= ready():  # no 429 held the channel meanwhile
                            break
                        now = await self._until(ready)
                    self._last = now
                    entry = [now, -1.0]
                    if self._budget:
                        self._sent.append(entry)
                try:
                    yield
                finally:
                    entry[1] = self._clock()
                    gap = entry[1] + self.key_gap
                    self._next_by_key[key] = max(self._next_by_key.get(key, 0.0), gap)
                    self._next_by_key.move_to_end(key)
                    while len(self._next_by_key) > self._max_keys:
                        self._next_by_key.popitem(last=False)
        finally:
            users[0] -= 1
            if not users[0]:
                del self._keys[key]

    async def wait(self, key: str) -> None:
        """Return when a send to `key` may go now (counted as sent and answered now)."""
        async with self.slot(key):
            pass

    def hold(self, seconds: float, key: str | None = None) -> None:
        """The provider said to wait: nothing to `key` (or nothing at all) for `seconds`."""
        until = self._clock() + seconds
        if key is None:
            self._held_until = max(self._held_until, until)
        else:
            self._next_by_key[key] = max(self._next_by_key.get(key, 0.0), until)
