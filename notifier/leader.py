"""Leadership of a single job across processes: the mailbox poller and Telegram long
polling run in one `hanchot notify` / `hanchot bot` at a time, however many run.

Each process runs a `Leader` for the job: it tries to take the job's lease in the store
(`store.leases`) and, once it holds it, renews it every third of its lifetime. The job
runs only while `held` is true; `held` goes false by the local clock a third of the
lifetime before the lease can run out in the store, whether or not the renewal came
back (a store that hangs must not leave two holders). A holder killed outright stops
renewing: another process takes the job once the lease has run out, within one lifetime
and one retry period. A clean stop gives the lease up, so the next one takes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from notifier.delivery import Store
from store import leases
from store.leases import Grant

log = logging.getLogger(__name__)

MAILBOX = "mailbox"
TELEGRAM_POLLING = "telegram-polling"

Hook = Callable[[], Awaitable[None]]


def holder_name() -> str:
    """This process, as the lease row shows it: `host:pid:random`."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(3)}"


class Leader:
    def __init__(
        self,
        store: Store,
        name: str,
        ttl: float,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.name = name
        self.ttl = ttl
        self.holder = holder or holder_name()
        self.clock = clock
        self.grant: Grant | None = None
        self._trusted_until = 0.0

    @property
    def period(self) -> float:
        """How often the holder renews (and others try): a third of the lifetime."""
        return self.ttl / 3

    @property
    def held(self) -> bool:
        return self.grant is not None and self.clock() < self._trusted_until

    def _take(self) -> Grant | None:
        lifetime = timedelta(seconds=self.ttl)
        with self.store.write() as session:
            if self.grant is not None:
                renewed = leases.renew(session, self.grant, lifetime)
                if renewed is not None:
                    return renewed
            return leases.acquire(session, self.name, self.holder, lifetime)

    async def step(self) -> bool:
        """One attempt to take or keep the lease; whether this process holds it now."""
        started = self.clock()
        try:
            grant = await asyncio.wait_for(asyncio.to_thread(self._take), self.period)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("lease %s: store unreachable (%s)", self.name, type(exc).__name__)
            return self.held  # trusted until its own margin, no longer
        was = self.grant
        self.grant = grant
        if grant is None:
            self._trusted_until = 0.0
            if was is not None:
                log.warning("lease %s: lost to another process", self.name)
            return False
        # The store's lease runs to started + ttl at the earliest; stop a period before.
        self._trusted_until = started + self.ttl - self.period
        if was is None or was.epoch != grant.epoch:
            log.info("lease %s: taken by %s (epoch %d)", self.name, self.holder, grant.epoch)
        return True

    async def run(self, on_gain: Hook | None = None, on_loss: Hook | None = None) -> None:
        """Take and keep the lease until cancelled, calling `on_gain` when the job becomes
        this process's and `on_loss` when it stops being (a lost renewal, or the margin
        running out while the store does not answer)."""
        running = False
        try:
            while True:
                held = await self.step()
                if held and not running:
                    await self._call(on_gain, "start")
                if not held and running:
                    await self._call(on_loss, "stop")
                running = held
                await self._sleep(running)
                if running and not self.held:  # the margin ran out while asleep
                    running = False
                    await self._call(on_loss, "stop")
        finally:
            if running:
                await self._call(on_loss, "stop")

    async def _call(self, hook: Hook | None, what: str) -> None:
        if hook is None:
            return
        try:
            await hook()
        except Exception:
            log.exception("lease %s: the job failed to %s", self.name, what)

    async def _sleep(self, holding: bool) -> None:
        # Holders renew on time; others try at a jittered period so they do not all
        # hammer the row together.
        pause = self.period if holding else self.period * random.uniform(0.5, 1.0)
        if holding:
            pause = max(0.0, min(pause, self._trusted_until - self.clock()))
        await asyncio.sleep(pause)

    async def release(self) -> None:
        """Give the lease up (a clean stop): the next process takes the job at once."""
        grant, self.grant = self.grant, None
        self._trusted_until = 0.0
        if grant is None:
            return

        def give_up() -> None:
            with self.store.write() as session:
                leases.release(session, grant)

        try:
            await asyncio.wait_for(asyncio.to_thread(give_up), self.period)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("lease %s: not released (%s); it runs out", self.name, exc)
        else:
            log.info("lease %s: released by %s", self.name, self.holder)


@contextlib.asynccontextmanager
async def leading(
    leader: Leader, on_gain: Hook | None = None, on_loss: Hook | None = None
) -> AsyncIterator[Leader]:
    """`leader.run` in a task for the block's length; the lease given up at its end."""
    task = asyncio.create_task(leader.run(on_gain, on_loss), name=f"lease-{leader.name}")
    try:
        yield leader
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await leader.release()
