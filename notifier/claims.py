"""This relay's claims on outbox rows (`store.claims`): their names, and a keeper that
renews their leases while they are held.

A claim held by a live relay never runs out, however long its send takes (an SMTP
server taking minutes to answer, a lane of Telegram rows waiting for their chat's
second): every third of the lease the keeper extends every row the relay's open claims
hold. Only a relay that died or lost its database stops renewing, and only then may
another relay take its rows. When a claim closes, the rows it reserved and never sent
are free again at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

from store import claims
from store.base import utcnow

log = logging.getLogger(__name__)

Db = Callable[..., Awaitable[Any]]


def instance_id() -> str:
    """This process among the relays: host, pid and a random part (a pid is reused)."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{secrets.token_hex(3)}"


class Claims:
    def __init__(self, store: Any, lease: timedelta, db: Db, instance: str | None = None):
        self.store = store
        self.lease = lease
        self.instance = instance or instance_id()
        self._db = db
        self._next = 0
        self._open: set[str] = set()
        self._alive: frozenset[str] = frozenset()
        self._keeper: asyncio.Task[None] | None = None

    @property
    def open(self) -> frozenset[str]:
        """The claims this relay holds now: alive whatever their leases say. A snapshot
        replaced (never changed) as claims open and close, so store work in a thread reads
        it safely."""
        return self._alive

    def _name(self) -> str:
        self._next += 1
        return f"{self.instance}/{self._next}"

    @contextlib.asynccontextmanager
    async def holding(self) -> AsyncIterator[str]:
        """A new claim, renewed until the block ends; then what it reserved is freed."""
        claim = self._name()
        self._open.add(claim)
        self._alive = frozenset(self._open)
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.create_task(self._keep())
        try:
            yield claim
        finally:
            self._open.discard(claim)
            self._alive = frozenset(self._open)
            with contextlib.suppress(Exception):  # the lease frees them if this fails
                await asyncio.shield(self._db(self._release, claim))

    def _release(self, claim: str) -> int:
        with self.store.write() as session:
            return claims.release(session, claim)

    def _renew(self, held: list[str]) -> int:
        with self.store.write() as session:
            return claims.renew(session, held, utcnow(), self.lease)

    async def _keep(self) -> None:
        period = max(self.lease.total_seconds() / 3, 0.1)
        while self._open:
            await asyncio.sleep(period)
            held = sorted(self._open)
            if not held:
                break
            try:
                await self._db(self._renew, held)
            except Exception as exc:  # the database is down: the next period tries again
                log.warning("renewing %d outbox claims failed: %s", len(held), exc)
