"""Delivering one outbox row: claim it, render it, send it, record what happened.

The row is the truth of what was sent. A send is claimed by compare-and-set
(`pending` → `sending`, attempts + 1) under a claim of this relay (`notifier.claims`,
`store.claims`), and recorded right after the provider answers, by that claim only, one
message at a time, so the only window for a second copy is a crash between the
provider accepting the message and that record; the copy then carries the same
Message-ID (email) or the same printed reference (Telegram). A row left `sending` by a
crashed attempt is claimed again once its lease has run out; a live relay renews it.

Outcomes: `sent`; `already` (recorded before: never resent); `held` (the channel has no
credentials here: the row stays pending in the outbox); `unreachable` (no address on
that channel, e.g. Telegram never linked); `skipped` (the channel was disabled for the
person earlier); `disabled` (a permanent address error now: channel switched off,
coordinators told); `failed` (permanent, not the address); `retry` (transient).
Each outcome is counted (`notifier.metrics`) and logged with the row's workflow id, step,
channel, outbox id and Message-ID as `extra` fields, which the JSON log format prints.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from notifier import metrics, notices
from notifier.base import NotConfigured, Outgoing, Sent, TransportError
from notifier.claims import Claims
from notifier.compose import Row, compose
from notifier.reader import Unreachable
from notifier.reader import reader as who_reads
from notifier.registry import Registry
from notifier.render import text as say
from notifier.settings import NotifierSettings
from notifier.telegram.transport import ChatMoved
from store import channel_order, channels, claims, deadline_facts
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage, Person

log = logging.getLogger(__name__)
T = TypeVar("T")

RECORD_PATIENCE_SECONDS = 600.0
"""How long a relay keeps trying to record a send it made while the store is unreachable."""
STORE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
FELL_SHORT = ("unreachable", "skipped", "disabled", "failed")
"""Outcomes after which a person with a channel order is tried on the next channel."""
DEFAULT_LEASE = timedelta(minutes=3)
"""How long a `sending` claim is honoured; longer than any one send can take."""


class Store(Protocol):
    """The store as the notifier uses it (`activities.store_access.StoreAccess` is one)."""

    def write(self) -> AbstractContextManager[Session]: ...

    def read(self) -> Session: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    row_id: int
    status: str
    message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None
    channel: str = ""
    kind: str = ""
    workflow_id: str = ""
    step: str = ""

    @property
    def final(self) -> bool:
        return self.status != "retry"

    @property
    def permanent_failure(self) -> bool:
        return self.status in ("disabled", "failed")


class Deliverer:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        settings: NotifierSettings,
        lease: timedelta = DEFAULT_LEASE,
        clock: Callable[[], datetime] = utcnow,  # "today" of the words (days left)
    ) -> None:
        self.store, self.clock = store, clock
        self.registry = registry
        self.settings = settings
        self.lease = lease
        self._db: asyncio.Lock | None = None
        self.claims = Claims(store, lease, self.db)

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Store work off the event loop, one at a time: concurrent sends must not
        become concurrent transactions (a database that stops answering would hold one
        pooled connection per waiting send, and the pool with them)."""
        if self._db is None:
            self._db = asyncio.Lock()
        async with self._db:
            return await asyncio.to_thread(fn, *args)

    # --- public ----------------------------------------------------------------------

    async def deliver_step(
        self,
        workflow_id: str,
        step: str,
        channel: str | None = None,
        recipient: str | None = None,
    ) -> list[Outcome]:
        """Every row of one step (optionally one channel / one recipient), in order."""
        ids = await self.db(self._row_ids, workflow_id, step, channel, recipient)
        return [await self.deliver(row_id) for row_id in ids]

    async def deliver(self, row_id: int) -> Outcome:
        outcome = await self._deliver(row_id)
        metrics.observe_delivery(outcome, log)
        if outcome.status in FELL_SHORT:
            # The person's next preferred channel (`store.channel_order`), if any.
            after = await self.db(self._fall_back, row_id)
            if after is not None:
                log.info("outbox row %d: %s; falling back to row %d", row_id, outcome.status, after)
                await self.deliver(after)
        return outcome

    def _fall_back(self, row_id: int) -> int | None:
        with self.store.write() as session:
            return channel_order.fall_back(session, row_id)

    async def _deliver(self, row_id: int) -> Outcome:
        async with self.claims.holding() as claim:
            claimed = await self.db(self._claim, row_id, claim)
            if isinstance(claimed, Outcome):
                return claimed
            row = claimed
            return tagged(await self._send(row), row)

    async def _send(self, row: Row) -> Outcome:
        try:
            message = compose(self.settings, row, self.clock())
        except Exception as exc:  # a template bug: retrying renders the same error
            log.exception("rendering outbox row %d failed", row.id)
            return await self.db(self._failed, row, f"render: {exc}")
        send_time = metrics.SEND_SECONDS.labels(row.channel.value)
        started = time.perf_counter()
        try:
            sent = await self.registry.get(row.channel).send(message)
        except TransportError as exc:
            send_time.observe(time.perf_counter() - started)
            return await self._settle(row, self._record_error, row, message, exc)
        except NotConfigured as exc:  # nothing was sent: not timed
            return await self.db(self._release, row, str(exc), "held")
        except Exception as exc:
            send_time.observe(time.perf_counter() - started)
            error = TransportError(f"unexpected {type(exc).__name__}: {exc}")
            log.exception("sending outbox row %d failed", row.id)
            return await self._settle(row, self._record_error, row, message, error)
        send_time.observe(time.perf_counter() - started)
        return await self._settle(row, self._record_sent, row, sent)

    async def _settle(self, row: Row, record: Callable[..., Outcome], *args: Any) -> Outcome:
        """Record what became of a send, however long the store takes to answer again.

        The message has left (or the channel said why not): a record dropped because the
        store was unreachable would leave the row `sending` for a later sweep to send
        again. So the record is tried again while this relay lives and holds the claim
        (its own sweeps never take a row an open claim of theirs holds: `Claims.open`);
        only a relay that dies here leaves its one row to be sent twice."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + RECORD_PATIENCE_SECONDS
        wait = 0.5
        while True:
            try:
                return await self.db(record, *args)
            except STORE_DOWN as exc:
                if loop.time() + wait > give_up:
                    raise
                log.warning(
                    "recording outbox row %d failed (%s); trying again in %.1f s",
                    row.id,
                    type(getattr(exc, "orig", None) or exc).__name__,  # the driver's reason
                    wait,
                )
                await asyncio.sleep(wait)
                wait = min(wait * 2, 10.0)

    # --- claim -----------------------------------------------------------------------

    def _row_ids(
        self, workflow_id: str, step: str, channel: str | None, recipient: str | None
    ) -> list[int]:
        query = sa.select(OutboxMessage.id).where(
            OutboxMessage.workflow_id == workflow_id, OutboxMessage.step == step
        )
        if channel is not None:
            query = query.where(OutboxMessage.channel == Channel(channel))
        if recipient is not None:
            query = query.join(Person, Person.id == OutboxMessage.recipient_id).where(
                Person.key == recipient
            )
        with self.store.read() as session:
            return list(session.scalars(query.order_by(OutboxMessage.id)))

    def _claim(self, row_id: int, claim: str) -> Row | Outcome:
        with self.store.write() as session:
            return self._claim_in(session, row_id, claim)

    def claim_many(self, row_ids: list[int], claim: str) -> list[Row | Outcome]:
        """Several rows claimed in one transaction (one commit, not one per row)."""
        with self.store.write() as session:
            return [self._claim_in(session, row_id, claim) for row_id in row_ids]

    def _claim_in(self, session: Session, row_id: int, claim: str) -> Row | Outcome:
        row = session.get(OutboxMessage, row_id)
        if row is None:
            return Outcome(row_id, "failed", error="no such outbox row")
        tag = _tag(row)
        if row.status is OutboxStatus.SENT:
            return Outcome(row_id, "already", message_id=row.message_id, **tag)
        if row.status in (OutboxStatus.FAILED, OutboxStatus.DISABLED):
            return Outcome(row_id, "failed", error=row.last_error, **tag)
        if row.channel not in self.registry:
            row.last_error = f"{row.channel.value} chưa được cấu hình: tin được giữ trong outbox"
            return Outcome(row_id, "held", error=row.last_error, **tag)
        reader = who_reads(session, row)
        if isinstance(reader, Unreachable):
            self._set(row, reader.status, reader.row_error)
            return Outcome(row_id, reader.outcome, error=reader.reason, **tag)
        now = utcnow()
        if not claims.take(session, row_id, claim, now, self.lease, self.claims.open):
            session.refresh(row)
            if row.status is OutboxStatus.SENT:
                return Outcome(row_id, "already", message_id=row.message_id, **tag)
            if row.status in (OutboxStatus.FAILED, OutboxStatus.DISABLED):
                return Outcome(row_id, "failed", error=row.last_error, **tag)
            until = row.lease_until or row.updated_at + self.lease
            wait = (until - now).total_seconds()
            return Outcome(
                row_id,
                "retry",
                error=metrics.CONTENDED,
                retry_after=max(1.0, wait),
                **tag,
            )
        return Row(
            id=row.id,
            workflow_id=row.workflow_id,
            step=row.step,
            channel=row.channel,
            recipient_id=reader.id,
            person_key=reader.key,
            person_name=reader.name,
            language=reader.language,
            timezone=reader.timezone,
            address=reader.address,
            deadline_id=row.deadline_id,
            payload=deadline_facts.with_receiver(session, row.deadline_id, dict(row.payload)),
            attempts=row.attempts + 1,
            claim=claim,
        )

    # --- record ----------------------------------------------------------------------

    @staticmethod
    def _set(row: OutboxMessage, status: OutboxStatus, error: str | None) -> None:
        """A row nobody can read (`notifier.reader`): settled before any claim."""
        row.status = status
        row.last_error = error
        row.updated_at = utcnow()

    def _update(self, session: Session, row: Row, **values: Any) -> int:
        """Only the claim that is still ours is updated (a stale attempt writes nothing,
        over a row another relay has taken since); a row back to pending is free."""
        if values.get("status") is OutboxStatus.PENDING:
            values["lease_until"] = None
        return int(
            session.execute(
                sa.update(OutboxMessage)
                .where(claims.owned(row.id, row.claim, row.attempts))
                .values(updated_at=utcnow(), **values)
                .execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )

    def _record_sent(self, row: Row, sent: Sent) -> Outcome:
        with self.store.write() as session:
            recorded = self._update(
                session,
                row,
                status=OutboxStatus.SENT,
                message_id=sent.message_id,
                sent_at=utcnow(),
                last_error=None,
            )
        if not recorded:
            log.warning(
                "outbox row %d was sent (%s) after its claim %s had passed to another relay",
                row.id,
                sent.message_id,
                row.claim,
            )
        return Outcome(row.id, "sent", message_id=sent.message_id)

    def _release(
        self, row: Row, error: str, status: str = "retry", wait: float | None = None
    ) -> Outcome:
        with self.store.write() as session:
            self._update(session, row, status=OutboxStatus.PENDING, last_error=error)
        return Outcome(row.id, status, error=error, retry_after=wait)

    def _slowed(self, row: Row, error: str, wait: float) -> Outcome:
        """The provider was too busy to take it (429): nothing went wrong with the row, so
        no attempt is counted and no backoff applies; the channel's pacer waits instead."""
        with self.store.write() as session:
            self._update(
                session,
                row,
                status=OutboxStatus.PENDING,
                attempts=OutboxMessage.attempts - 1,
                last_error=None,
            )
        return Outcome(row.id, "retry", error=error, retry_after=wait)

    def _failed(self, row: Row, error: str) -> Outcome:
        with self.store.write() as session:
            self._update(session, row, status=OutboxStatus.FAILED, last_error=error)
        return Outcome(row.id, "failed", error=error)

    def _record_error(self, row: Row, message: Outgoing, exc: TransportError) -> Outcome:
        error = f"{exc.kind}: {exc.message}"
        if isinstance(exc, ChatMoved):
            with self.store.write() as session:
                channels.rebind_chat(session, exc.old, exc.new)
            return self._release(row, error, wait=0.0)
        if not exc.permanent and exc.retry_after is not None:
            return self._slowed(row, error, exc.retry_after)
        if not exc.permanent:
            return self._release(row, error, wait=exc.retry_after)
        if (
            not exc.address or row.recipient_id is None
        ):  # an account's mail: no channel to switch off
            return self._failed(row, error)
        reason = self._reason(row, exc)
        with self.store.write() as session:
            if not self._update(session, row, status=OutboxStatus.DISABLED, last_error=error):
                return Outcome(row.id, "disabled", error=error)
            channels.disable(session, row.recipient_id, row.channel, message.address, reason)
            person = session.get(Person, row.recipient_id)
            assert person is not None
            told = notices.channel_disabled(
                session,
                workflow_id=row.workflow_id,
                payload=row.payload,
                person=person,
                channel=row.channel.value,
                address=message.address,
                reason=reason,
                outbox_id=row.id,
            )
        log.warning(
            "%s disabled for %s after %s; coordinators told: %s",
            row.channel.value,
            row.person_key,
            error,
            told or "nobody (no coordinator)",
        )
        return Outcome(row.id, "disabled", error=error)

    @staticmethod
    def _reason(row: Row, exc: TransportError) -> str:
        """Why the channel was switched off, in the coordinators' language (vi)."""
        lower = exc.message.lower()
        if row.channel is Channel.EMAIL:
            return say("vi", "disabled_bad_address", detail=exc.message)
        if row.channel is Channel.ZALO:
            return say("vi", "disabled_zalo", detail=exc.message)
        if "not found" in lower:
            return say("vi", "disabled_chat_not_found", detail=exc.message)
        return say("vi", "disabled_blocked", detail=exc.message)


def tagged(outcome: Outcome, row: Row) -> Outcome:
    return replace(
        outcome,
        channel=row.channel.value,
        kind=row.kind,
        workflow_id=row.workflow_id,
        step=row.step,
    )


def _tag(row: OutboxMessage) -> dict[str, Any]:
    """What an outcome carries of its row, for the metrics and the log line."""
    return {
        "channel": row.channel.value,
        "kind": str((row.payload or {}).get("kind", "")),
        "workflow_id": row.workflow_id,
        "step": row.step,
    }


def retry_backoff(attempts: int) -> timedelta:
    """How long a row that failed transiently waits before the sweep tries it again:
    30 s, 1 min, 2 min, ... up to 1 h (the same curve as the delivery activity's retries)."""
    return min(timedelta(seconds=30) * 2 ** max(attempts - 1, 0), timedelta(hours=1))
