"""The outbox relay: which rows are due, and a sweep that sends them to many recipients
at once while keeping each recipient's rows in order.

A sweep used to send one row at a time and await the channel's pacer, so a Telegram chat
waiting for its one-second slot stalled every other chat (2,000 messages to 50 chats
went out at 1 msg/s), and it took at most 200 rows per tick, leaving seconds idle when a
sweep outlasted its tick. Now each recipient (per channel) has a lane: its rows go one
after another (or merged, `notifier.lanes`), lanes run concurrently and the channel's
pacer alone decides the pace. Every half second the sweep looks for more due rows (many
recipients, a bounded number each), so the pipe stays full, and it returns once nothing
is due; a row is tried at most once per sweep.

Several relays share one outbox (issue 20). A sweep holds a claim (`notifier.claims`):
it reserves the due rows it queues (`store.claims.reserve`, SKIP LOCKED on PostgreSQL),
so another relay's sweep, whenever it runs, looks past them to the next due rows. On a
channel paced per recipient (Telegram: one message a second per chat) a recipient's
rows stay with one relay at a time, so their order and their chat's second are kept;
on the others (email) relays share even one recipient's rows. The ticks of relays do not
align: each sweep's period is jittered (`hanchot.notify`'s scheduler, `jittered`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.delivery import DEFAULT_LEASE, Deliverer, Outcome, Store, retry_backoff
from notifier.lanes import deliver_lane
from store import claims
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage

log = logging.getLogger(__name__)

SYSTEM_STEPS = ("notice:", "telegram-link:", "resend:", "manual:")  # asked by a person: at once
"""Rows no workflow delivers: the notifier's own notices and link emails."""
BATCH = 2_000
"""Rows a sweep holds at most (queued in lanes or being sent)."""
SCAN = 5_000
"""Due rows looked at per refill: enough to find many recipients even when each has many
rows in a row (50 chats × 40 grouped: 200 rows would have been 5 chats, 5 msg/s)."""
LANES = 512
"""Recipients sent to at once on a channel that declares `parallel_recipients` (Telegram:
far above what 30 msg/s needs, a lane mostly waits); on others (email) one at a time, so
that a crash leaves at most one sent-but-unrecorded message per open connection."""
LANE_BATCH = 20
"""A lane queues and claims at most this many of its rows at once (all sent within the
lease even one second apart; merged, when of one kind)."""
REFILL_SECONDS = 0.5
"""How often a sweep with rows in flight looks for newly due ones (jittered)."""
AHEAD_SECONDS = 20
"""How much of a rate-limited channel's work one relay holds (see `Sweep._ahead`)."""
RESERVE_ROUNDS = 3
"""Refills in a row while other relays take the rows picked (each looks past theirs)."""


def jittered(seconds: float, spread: float = 0.2) -> float:
    """`seconds` ± `spread` of it: relays started together drift apart."""
    return seconds * random.uniform(1 - spread, 1 + spread)


@dataclass(frozen=True, slots=True)
class Due:
    id: int
    channel: Channel
    recipient_id: int

    @property
    def lane(self) -> tuple[Channel, int]:
        return self.channel, self.recipient_id


def due_rows(
    store: Store,
    channels_here: list[Channel],
    grace: timedelta,
    limit: int = BATCH,
    lease: timedelta = DEFAULT_LEASE,
    exclude: frozenset[int] | set[int] = frozenset(),
    claim: str | None = None,
    one_relay_each: frozenset[Channel] | set[Channel] = frozenset(),
    alive: frozenset[str] = frozenset(),
) -> list[Due]:
    """Rows the sweep should deliver now, oldest first (none of `exclude`).

    - pending rows older than `grace` (system rows at once): with a zero grace the sweep is
      the outbox relay, the path by which workflow reminders reach their channel;
    - pending rows that failed transiently, once their backoff has passed;
    - rows left `sending` or reserved by a crashed relay, once their lease has run out;
    - none another relay holds, nor (on `one_relay_each` channels) any row of a
      recipient whose rows another relay holds.
    Never a second sender: every send is claimed by compare-and-set.
    """
    if not channels_here:
        return []
    now = utcnow()
    old = now - grace
    system = sa.or_(*(OutboxMessage.step.startswith(prefix) for prefix in SYSTEM_STEPS))
    query = sa.select(
        OutboxMessage.id,
        OutboxMessage.channel,
        OutboxMessage.recipient_id,
        OutboxMessage.status,
        OutboxMessage.attempts,
        OutboxMessage.last_error,
        OutboxMessage.updated_at,
    ).where(
        OutboxMessage.channel.in_(channels_here),
        claims.unheld(now, lease, alive),
        sa.or_(
            OutboxMessage.status != OutboxStatus.PENDING,
            system,
            OutboxMessage.created_at < old,
        ),
    )
    with store.read() as session:
        rows = session.execute(
            query.order_by(OutboxMessage.id).limit(limit * 4 + min(len(exclude), limit * 4))
        ).all()
        elsewhere = _held_elsewhere(session, one_relay_each, claim, now)
    due = [
        Due(r.id, r.channel, r.recipient_id)
        for r in rows
        if r.id not in exclude
        and (r.channel, r.recipient_id) not in elsewhere
        and (
            r.status != OutboxStatus.PENDING
            or r.last_error is None
            or r.updated_at + retry_backoff(r.attempts) <= now
        )
    ]
    return due[:limit]


def _held_elsewhere(
    session: Session, channels: frozenset[Channel] | set[Channel], claim: str | None, now: datetime
) -> set[tuple[Channel, int]]:
    """Recipients (on `channels`) some of whose rows another live claim holds."""
    if not channels:
        return set()
    query = sa.select(OutboxMessage.channel, OutboxMessage.recipient_id).where(
        OutboxMessage.channel.in_(list(channels)),
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        OutboxMessage.claimed_by.is_not(None),
        OutboxMessage.lease_until >= now,
    )
    if claim is not None:
        query = query.where(OutboxMessage.claimed_by != claim)
    return {(c, r) for c, r in session.execute(query.distinct())}


def reserve(
    store: Store, ids: list[int], claim: str, lease: timedelta, alive: frozenset[str] = frozenset()
) -> set[int]:
    with store.write() as session:
        return claims.reserve(session, ids, claim, utcnow(), lease, alive)


def sweepable(
    store: Store,
    channels_here: list[Channel],
    grace: timedelta,
    limit: int = BATCH,
    lease: timedelta = DEFAULT_LEASE,
) -> list[int]:
    return [d.id for d in due_rows(store, channels_here, grace, limit, lease)]


class Sweep:
    """One sweep: lanes per recipient, refilled while rows are due."""

    def __init__(self, deliverer: Deliverer, grace: timedelta, batch: int, lanes: int) -> None:
        self.deliverer = deliverer
        self.grace = grace
        self.batch = batch
        self._lanes = lanes
        self._gates: dict[Channel, asyncio.Semaphore] = {}
        self._queues: dict[tuple[Channel, int], deque[int]] = {}
        self._tasks: dict[tuple[Channel, int], asyncio.Task[None]] = {}
        self._held: dict[int, Channel] = {}
        """Rows queued or being sent, and their channel."""
        self._tried: set[int] = set()
        self.outcomes: list[Outcome] = []
        self._error: Exception | None = None
        self.claim = ""

    async def _lane(self, lane: tuple[Channel, int]) -> None:
        queue = self._queues[lane]
        try:
            async with self._gate(lane[0]):
                while queue and self._error is None:
                    ids = [queue.popleft() for _ in range(min(len(queue), LANE_BATCH))]
                    for outcome in await deliver_lane(self.deliverer, ids, self.claim, lane[0]):
                        self.outcomes.append(outcome)
                        self._held.pop(outcome.row_id, None)
        except Exception as exc:  # the store is down, say: the sweep fails, as a whole
            self._error = self._error or exc
        finally:
            for row_id in queue:
                self._held.pop(row_id, None)
            del self._queues[lane], self._tasks[lane]

    def _gate(self, channel: Channel) -> asyncio.Semaphore:
        if channel not in self._gates:
            self._gates[channel] = asyncio.Semaphore(self._lanes_of(channel))
        return self._gates[channel]

    def _ahead(self, channel: Channel) -> int:
        """Rows of `channel` worth holding at once, beyond which they are other relays'
        to send: what a rate-limited channel sends in `AHEAD_SECONDS` (Telegram: 600, in
        30 lanes of 20 at least, enough to keep 30 msg/s), else four batches of each of its
        open lanes (email: one lane at a time, 80 rows, more than a refill's half second
        sends)."""
        rate = getattr(self.deliverer.registry.get(channel), "request_rate_per_sec", 0)
        if rate:
            return max(LANE_BATCH, int(rate * AHEAD_SECONDS))
        return self._lanes_of(channel) * LANE_BATCH * 4

    def _lanes_of(self, channel: Channel) -> int:
        parallel = getattr(self.deliverer.registry.get(channel), "parallel_recipients", False)
        return self._lanes if parallel else 1

    def _paced_per_recipient(self) -> set[Channel]:
        return {c.name for c in self.deliverer.registry if getattr(c, "recipient_rate_per_sec", 0)}

    async def _refill(self) -> int:
        """Reserve and queue due rows, looking past those other relays take meanwhile."""
        taken = 0
        for _ in range(RESERVE_ROUNDS):
            picked, lost = await self._refill_once()
            taken += picked
            if not lost:
                break
        return taken

    async def _refill_once(self) -> tuple[int, int]:
        d = self.deliverer
        here = [c.name for c in d.registry]
        held = Counter(self._held.values())
        room = min(
            self.batch - len(self._held),
            sum(max(0, self._ahead(channel) - held[channel]) for channel in here),
        )
        if room <= 0:
            return 0, 0
        due = await d.db(
            due_rows,
            d.store,
            here,
            self.grace,
            min(SCAN, room * 4),  # enough to find `room` rows past full lanes
            d.lease,
            self._tried,
            self.claim,
            self._paced_per_recipient(),
            d.claims.open,
        )
        picked: list[Due] = []
        sizes = {lane: len(queue) for lane, queue in self._queues.items()}
        ahead = held
        for row in due:
            if len(picked) >= room:
                break
            if sizes.get(row.lane, 0) >= LANE_BATCH or ahead.get(row.channel, 0) >= self._ahead(
                row.channel
            ):
                continue  # taken at a later refill, once the lane has room
            sizes[row.lane] = sizes.get(row.lane, 0) + 1
            ahead[row.channel] += 1
            picked.append(row)
        if not picked:
            return 0, 0
        ids = [r.id for r in picked]
        mine = await d.db(reserve, d.store, ids, self.claim, d.lease, d.claims.open)
        for row in picked:
            self._tried.add(row.id)
            if row.id not in mine:
                continue  # another relay's now
            self._held[row.id] = row.channel
            self._queues.setdefault(row.lane, deque()).append(row.id)
            if row.lane not in self._tasks:
                self._tasks[row.lane] = asyncio.create_task(self._lane(row.lane))
        return len(mine), len(picked) - len(mine)

    async def run(self) -> list[Outcome]:
        async with self.deliverer.claims.holding() as claim:
            self.claim = claim
            return await self._run()

    async def _run(self) -> list[Outcome]:
        try:
            while await self._refill() or self._tasks:
                if self._tasks and not self._error:
                    await asyncio.wait(list(self._tasks.values()), timeout=jittered(REFILL_SECONDS))
                if self._error is not None:
                    raise self._error
        except Exception as exc:
            # The sweep fails (the store is down, say), but a lane may hold a message that
            # has left and waits for its record (`Deliverer._settle`): closing the claim
            # now would let a later sweep take that row again once its lease ran out and
            # send it twice. Lanes start no new batch; those in flight end first.
            self._error = self._error or exc
            if self._tasks:
                await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            raise
        finally:
            for task in list(self._tasks.values()):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        return self.outcomes


async def sweep(
    deliverer: Deliverer,
    grace: timedelta = timedelta(0),
    batch: int = BATCH,
    lanes: int = LANES,
) -> int:
    """Deliver everything due now (and what falls due meanwhile); the number sent."""
    outcomes = await Sweep(deliverer, grace, batch, lanes).run()
    sent = sum(o.status == "sent" for o in outcomes)
    if outcomes:
        log.info("sweep: %d rows tried, %d sent", len(outcomes), sent)
    return sent
