"""Token buckets: a process-wide pace for a channel and for each of its addresses.

Telegram allows about 30 messages per second per bot and 1 per second per chat; a 429
answer names how long to wait (`retry_after`), which `hold` applies to the whole bucket
so every sender in the process waits, not only the one that was told.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()
        self._held_until = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Take a token; return how long to wait before using it (0: now). Waiters are
        served in the order they reserved, as the balance goes negative."""
        now = self._clock()
        self._refill(now)
        self._tokens -= 1
        wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        return max(wait, self._held_until - now)

    def hold(self, seconds: float) -> None:
        """Nobody takes a token for `seconds` (the provider said so)."""
        self._held_until = max(self._held_until, self._clock() + seconds)


class Pacer:
    """A global bucket and one bucket per key (chat), e.g. Pacer(30, 1) for Telegram."""

    def __init__(
        self,
        rate: float,
        per_key_rate: float,
        *,
        burst: float | None = None,
        per_key_burst: float = 1,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._global = TokenBucket(rate, burst or rate, clock) if rate > 0 else None
        self._per_key_rate = per_key_rate
        self._per_key_burst = per_key_burst
        self._keys: OrderedDict[str, TokenBucket] = OrderedDict()
        self._max_keys = max_keys

    def _bucket(self, key: str) -> TokenBucket | None:
        if self._per_key_rate <= 0:
            return None
        bucket = self._keys.get(key)
        if bucket is None:
            bucket = TokenBucket(self._per_key_rate, self._per_key_burst, self._clock)
            self._keys[key] = bucket
            while len(self._keys) > self._max_keys:  # forget the least recently used
                self._keys.popitem(last=False)
        else:
            self._keys.move_to_end(key)
        return bucket

    def delay(self, key: str) -> float:
        """Reserve a slot for one send to `key`; the seconds to wait before it."""
        waits = [0.0]
        if (bucket := self._bucket(key)) is not None:
            waits.append(bucket.reserve())
        if self._global is not None:
            waits.append(self._global.reserve())
        return max(waits)

    async def wait(self, key: str) -> None:
        delay = self.delay(key)
        if delay > 0:
            await asyncio.sleep(delay)

    def hold(self, seconds: float, key: str | None = None) -> None:
        """After a 429: hold `key`'s bucket, or the whole channel when no key is given."""
        if key is not None and (bucket := self._bucket(key)) is not None:
            bucket.hold(seconds)
        elif self._global is not None:
            self._global.hold(seconds)
