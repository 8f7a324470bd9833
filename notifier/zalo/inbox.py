"""The Zalo webhook answers at once; the events it stored are handled here, from the store.

Handling an event can take long (a 20 MB file streamed from Zalo, a workflow update), and
Zalo, left waiting, times out and delivers again. So the webhook only stores the verified
event (`accept`: `store.zalo_inbound`, one row per event, a repeated delivery finds its
key taken) and answers 200; this loop handles what is stored:

- one user's events in the order they came, one at a time (a Đã nộp press before the
  file that answers it), different users side by side, at most `concurrency` at once;
- an event is claimed by this process under a lease renewed while it works, so several
  `hanchot zalo serve` never handle one event twice, and an event whose process died
  (killed after answering Zalo, before handling) is taken again once the lease runs out,
  here at the next start or by another process;
- a handler that raises (or runs past `HANDLE_TIMEOUT`) marks its event failed with why,
  never retried, and the user's later events go on; an event that outlived
  `MAX_ATTEMPTS` claims (it took its process down each time) is failed without being run
  again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from notifier.claims import instance_id
from notifier.delivery import Store
from store import zalo_inbound
from store.base import utcnow
from store.zalo_inbound import MAX_ATTEMPTS, Claimed

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
POLL = 1.0
"""Seconds between looks at the store for events another process stored."""
KEEP = timedelta(days=30)
"""How long a handled event stays in the queue (its outcome is in `inbound_messages`)."""
PRUNE_EVERY = 3600.0
HANDLE_TIMEOUT = 600.0
"""An event whose handling takes longer (a download that stalls without closing) is failed:
its user's later events must not wait behind it for ever."""


def event_key(event: dict[str, Any]) -> tuple[str, str, str]:
    """(key, user, event name): what makes a repeated delivery the same event."""
    name = str(event.get("event_name", ""))[:64]
    user = str((event.get("sender") or {}).get("id", ""))[:64]
    message = event.get("message") or {}
    ref = message.get("msg_id") if isinstance(message, dict) else None
    return f"{user}:{name}:{ref or event.get('timestamp')}"[:255], user, name


class Inbox:
    def __init__(
        self,
        store: Store,
        handle: Handler,
        *,
        lease_seconds: float = 30.0,
        concurrency: int = 8,
        poll: float = POLL,
        names: frozenset[str] | None = None,
        timeout: float = HANDLE_TIMEOUT,
    ) -> None:
        self.timeout = timeout
        self.store, self.handle = store, handle
        self.names = names
        """The event names worth storing (None: all): Zalo also posts an event for every
        message the OA itself sends, which nothing here handles."""
        self.lease = timedelta(seconds=lease_seconds)
        self.concurrency, self.poll = concurrency, poll
        self.claim_id = f"{instance_id()}/zalo"
        self._wake = asyncio.Event()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping = False
        self.handled = 0
        self.failed = 0

    # --- the webhook's side ----------------------------------------------------------

    async def accept(self, event: dict[str, Any]) -> None:
        """Store a verified event (once) and wake the loop; raises when the store cannot
        take it, so Zalo is not answered 200 and delivers it again."""
        key, user, name = event_key(event)
        if self.names is not None and name not in self.names:
            return
        body = json.dumps(event, ensure_ascii=False)
        with self.store.write() as session:
            stored = zalo_inbound.accept(session, key, user, name, body)
        if not stored:
            log.info("zalo event %s delivered again: already queued", key)
        self._wake.set()

    # --- the loop --------------------------------------------------------------------

    async def run(self) -> None:
        """Handle stored events until `stop`."""
        keeper = asyncio.create_task(self._keep())
        loop = asyncio.get_running_loop()
        pruned = -PRUNE_EVERY
        try:
            while not self._stopping:
                if loop.time() - pruned >= PRUNE_EVERY:
                    pruned = loop.time()
                    self._prune()
                self._wake.clear()
                for claimed in self._claim():
                    task = asyncio.create_task(self._one(claimed))
                    self._tasks[claimed.id] = task
                    task.add_done_callback(lambda _t: self._wake.set())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    def _prune(self) -> None:
        try:
            with self.store.write() as session:
                zalo_inbound.prune(session, utcnow() - KEEP)
        except Exception as exc:  # the store away: the next look
            log.warning("zalo inbound queue not pruned: %s", exc)

    def _claim(self) -> list[Claimed]:
        free = self.concurrency - len(self._tasks)
        if free <= 0:
            return []
        try:
            with self.store.write() as session:
                return zalo_inbound.claim(session, self.claim_id, utcnow(), self.lease, free)
        except Exception as exc:  # the store away: try again at the next look
            log.warning("zalo inbound queue unreadable: %s", exc)
            return []

    async def _one(self, claimed: Claimed) -> None:
        error: str | None = None
        try:
            if claimed.attempts > MAX_ATTEMPTS:
                error = f"abandoned: its handling stopped {claimed.attempts - 1} times"
            else:
                await asyncio.wait_for(self.handle(json.loads(claimed.body)), self.timeout)
        except asyncio.CancelledError:
            return  # a stop: `stop` gives it back
        except TimeoutError:
            error = f"timed out: handling took more than {self.timeout:g} s"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
        finally:
            self._tasks.pop(claimed.id, None)
        if error is not None:
            self.failed += 1
            log.error("zalo event %s of user %s failed: %s", claimed.id, claimed.user_id, error)
        else:
            self.handled += 1
        with self.store.write() as session:
            if not zalo_inbound.finish(session, claimed.id, self.claim_id, utcnow(), error):
                log.warning("zalo event %s was taken over while handled here", claimed.id)

    async def _keep(self) -> None:
        """Renew the lease of the events being handled, three times per lifetime."""
        period = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            if not self._tasks:
                continue
            try:
                with self.store.write() as session:
                    zalo_inbound.renew(session, self.claim_id, utcnow(), self.lease)
            except Exception as exc:
                log.warning("zalo inbound leases not renewed: %s", exc)

    async def idle(self, timeout: float = 30.0) -> None:
        """Wait until nothing is in hand and nothing waits (tests, a clean stop)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            with self.store.read() as session:
                counts = zalo_inbound.counts(session)
            if not self._tasks and not any(counts.get(s) for s in zalo_inbound.OPEN):
                return
            self._wake.set()
            await asyncio.sleep(0.02)
        raise TimeoutError("zalo inbound queue not drained")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; let events in hand finish for up to `grace` seconds, then give
        back the rest (waiting again at once, for this or another process)."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.wait(list(self._tasks.values()), timeout=grace)
        left = list(self._tasks)
        for task in list(self._tasks.values()):
            task.cancel()
        if left:
            with self.store.write() as session:
                zalo_inbound.release(session, self.claim_id, left)
            log.info("zalo inbound: %s events given back at stop", len(left))
