"""The process-wide pace of a channel: a rate for the whole channel and one per address.

Telegram allows about 30 messages per second per bot and 1 per second per chat. Each
send is given a moment: the first free slot of the channel's grid (slots 1/30 s apart,
one send each) at or after the moment its chat may be written to again (1 s after its
previous send). So no two sends are closer than 1/30 s, no chat gets two within a
second, and a chat waiting for its turn does not hold back the others. A 429 answer's
`retry_after` is applied with `hold`, to one chat or to the whole channel.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Callable


class Pacer:
    def __init__(
        self,
        rate: float,
        per_key_rate: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.per_key_rate = per_key_rate
        self._clock = clock
        self._taken: set[int] = set()
        self._next_by_key: OrderedDict[str, float] = OrderedDict()
        self._max_keys = max_keys
        self._held_until = 0.0

    def _slot(self, earliest: float) -> float:
        """The first free slot of the grid at or after `earliest`, now taken."""
        if self.rate <= 0:
            return earliest
        index = math.ceil(earliest * self.rate - 1e-9)
        while index in self._taken:
            index += 1
        self._taken.add(index)
        return index / self.rate

    def _forget(self, now: float) -> None:
        if self.rate > 0 and len(self._taken) > 4 * self.rate:
            past = math.floor(now * self.rate) - 1
            self._taken = {i for i in self._taken if i >= past}
        while len(self._next_by_key) > self._max_keys:
            self._next_by_key.popitem(last=False)

    def delay(self, key: str) -> float:
        """Reserve the moment of one send to `key`; the seconds to wait for it."""
        now = self._clock()
        earliest = max(now, self._held_until, self._next_by_key.get(key, now))
        at = self._slot(earliest)
        if self.per_key_rate > 0:
            self._next_by_key[key] = at + 1 / self.per_key_rate
            self._next_by_key.move_to_end(key)
        self._forget(now)
        return max(0.0, at - now)

    async def wait(self, key: str) -> None:
        delay = self.delay(key)
        if delay > 0:
            await asyncio.sleep(delay)

    def hold(self, seconds: float, key: str | None = None) -> None:
        """The provider said to wait: nothing to `key` (or nothing at all) for `seconds`."""
        until = self._clock() + seconds
        if key is None:
            self._held_until = max(self._held_until, until)
        else:
            self._next_by_key[key] = max(self._next_by_key.get(key, 0.0), until)
