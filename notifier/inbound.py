"""What a person may do from outside (a Telegram button, a document, an email reply),
checked against who they are, and carried out through the UnitDeadline updates the CLI
sends, over the Temporal client.

Authorisation is the store's: a person acts only for units where they are a focal point
now, and decides only extension requests that were sent to them. Everything that came
in is recorded (`InboundMessage`), applied, refused or quarantined, with why.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from temporalio.client import Client

from boundary.client import EngineClient, UpdateRefused
from boundary.client import EngineUnavailable as EngineUnavailable
from notifier import metrics
from notifier.delivery import Store
from store.base import utcnow
from store.credentials import deciding_for_deadline, is_current_focal_point
from store.enums import CycleStatus, DeadlineStatus, InboundChannel, InboundOutcome
from store.models import (
    Calendar,
    Cycle,
    InboundMessage,
    Obligation,
    OutboxMessage,
    Person,
    Unit,
    UnitContact,
    UnitDeadline,
)

OPEN_STATUSES = [s for s in DeadlineStatus if not s.is_settled]


GONE_VI = "kỳ báo cáo đã đóng đối với hạn nộp này"


@dataclass(frozen=True, slots=True)
class Result:
    ok: bool
    message: str = ""
    duplicate: bool = False
    status: str = ""


class Engine:
    """The UnitDeadline updates for the bot and the mail reader, sent through the engine's
    one client (boundary.client); a refusal is a Result, an unreachable engine raises."""

    def __init__(self, client: Client) -> None:
        self._client = EngineClient(client)

    async def update(self, workflow_id: str, name: str, arg: object) -> Result:
        try:
            result = await self._client.send(workflow_id, name, arg)
        except UpdateRefused as exc:
            return Result(False, GONE_VI if exc.gone else exc.message)
        return Result(True, result.message, result.duplicate, result.status)


@dataclass(frozen=True, slots=True)
class Owed:
    """A deadline a person may act on, with what a message about it needs."""

    deadline_id: int
    workflow_id: str
    calendar_key: str
    unit_key: str
    unit_name: str
    obligation_key: str
    obligation_name: str
    period_label: str
    due_at: datetime
    status: DeadlineStatus
    actor: str
    """The acting person's config id in this deadline's calendar (the `by` of updates)."""
    actor_id: int

    @property
    def label(self) -> str:
        return f"{self.obligation_name} — {self.period_label} — {self.unit_name}"


@dataclass(frozen=True, slots=True)
class Decision:
    outbox_id: int
    workflow_id: str
    request_id: str | None
    actor: str
    deadline_id: int | None


def _owed_query(person_ids: list[int]) -> sa.Select[Any]:
    return (
        sa.select(UnitDeadline, Unit, Cycle, Obligation, Calendar.key, Person)
        .join(Unit, UnitDeadline.unit_id == Unit.id)
        .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
        .join(Obligation, Cycle.obligation_id == Obligation.id)
        .join(Calendar, Obligation.calendar_id == Calendar.id)
        .join(UnitContact, UnitContact.unit_id == Unit.id)
        .join(Person, Person.id == UnitContact.person_id)
        .where(is_current_focal_point(), UnitContact.person_id.in_(person_ids))
    )


def _owed(row: Any) -> Owed:
    deadline, unit, cycle, obligation, calendar_key, person = row
    frozen = (cycle.snapshot or {}).get("cycle") or {}
    return Owed(
        deadline_id=deadline.id,
        workflow_id=deadline.workflow_id,
        calendar_key=calendar_key,
        unit_key=unit.key,
        unit_name=unit.name,
        obligation_key=obligation.key,
        obligation_name=frozen.get("obligation_name") or obligation.name,
        period_label=frozen.get("period_label") or cycle.period,
        due_at=deadline.due_at,
        status=deadline.status,
        actor=person.key,
        actor_id=person.id,
    )


def owed(session: Any, person_ids: list[int]) -> list[Owed]:
    """Unsettled deadlines of open cycles for units where these people are focal points."""
    if not person_ids:
        return []
    rows = session.execute(
        _owed_query(person_ids)
        .where(UnitDeadline.status.in_(OPEN_STATUSES), Cycle.status == CycleStatus.OPEN)
        .order_by(UnitDeadline.legal_end_at, Unit.name)
    )
    seen: dict[int, Owed] = {}
    for row in rows:
        item = _owed(row)
        seen.setdefault(item.deadline_id, item)
    return list(seen.values())


def deadline_for(session: Any, deadline_id: int, person_ids: list[int]) -> Owed | None:
    """The deadline, if one of these people is a focal point of its unit; else None."""
    if not person_ids:
        return None
    row = session.execute(_owed_query(person_ids).where(UnitDeadline.id == deadline_id)).first()
    return _owed(row) if row is not None else None


def decision_for(session: Any, outbox_id: int, person_ids: list[int]) -> Decision | None:
    """The extension request behind an outbox row, if that row was sent to one of them."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None or row.recipient_id not in person_ids:
        return None
    if row.payload.get("kind") != "extension_requested":
        return None
    if row.deadline_id is None or not deciding_for_deadline(
        session, row.deadline_id, row.recipient_id
    ):
        return None  # no longer a focal point of the receiving unit: the buttons lapsed
    details = row.payload.get("details") or {}
    return Decision(
        outbox_id, row.workflow_id, details.get("request"), row.recipient.key, row.deadline_id
    )


def record(
    store: Store,
    *,
    channel: InboundChannel,
    sender: str,
    raw_ref: str,
    outcome: InboundOutcome,
    reason: str | None = None,
    person_id: int | None = None,
    deadline_id: int | None = None,
    received_at: datetime | None = None,
    reason_class: str | None = None,
    original_path: str | None = None,
) -> bool:
    """Keep what came in and what became of it; False when it was already recorded.

    Each new record is counted (`hanchot_inbound_replies_total`), its reason as a short
    class: `reason_class` when the caller knows it, else derived from `reason`."""
    recorded = _record(
        store,
        channel,
        sender,
        raw_ref,
        outcome,
        reason,
        person_id,
        deadline_id,
        received_at,
        original_path,
    )
    if recorded:
        metrics.count_reply(channel.value, outcome.value, reason, reason_class)
    return recorded


def _record(
    store: Store,
    channel: InboundChannel,
    sender: str,
    raw_ref: str,
    outcome: InboundOutcome,
    reason: str | None,
    person_id: int | None,
    deadline_id: int | None,
    received_at: datetime | None,
    original_path: str | None = None,
) -> bool:
    with contextlib.suppress(IntegrityError), store.write() as session:
        exists = session.scalar(
            sa.select(InboundMessage.id).where(
                InboundMessage.channel == channel, InboundMessage.raw_ref == raw_ref[:512]
            )
        )
        if exists is not None:
            return False
        session.add(
            InboundMessage(
                channel=channel,
                sender=sender,
                person_id=person_id,
                raw_ref=raw_ref[:512],
                deadline_id=deadline_id,
                outcome=outcome,
                reason=reason,
                received_at=received_at or utcnow(),
                original_path=original_path,
            )
        )
        return True
    return False


def seen(store: Store, channel: InboundChannel, raw_ref: str) -> bool:
    with store.read() as session:
        return (
            session.scalar(
                sa.select(InboundMessage.id).where(
                    InboundMessage.channel == channel, InboundMessage.raw_ref == raw_ref[:512]
                )
            )
            is not None
        )
