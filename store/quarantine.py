"""Closing a quarantined reply: a coordinator recorded the submission it was about, or
dismissed it with a reason. Either way the row says who, when and what, and the audit
log says so too, in the same transaction.

Resolution is a compare-and-set on `resolved_at IS NULL`: two coordinators (or one
double click) resolving the same reply leave exactly one resolution and one audit entry.

The listing (`listing`) pages newest first by keyset: a page is the `PAGE_SIZE` replies
strictly older than the last one shown (`Cursor`), with the filter's total, so a big
province's years of replies are all reachable and a page costs the same at any depth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.base import utcnow
from store.enums import InboundOutcome
from store.ids import parse_id
from store.models import AuditEntry, InboundMessage, Person, Unit, UnitContact, UnitDeadline
from store.scopes import Scope

RECORDED = "quarantine_recorded"
"""Audit action: the reply's submission was recorded on the unit's behalf."""
DISMISSED = "quarantine_dismissed"
"""Audit action: the reply was set aside for good, with a reason."""


@dataclass(frozen=True, slots=True)
class Quarantined:
    id: int
    channel: str
    sender: str
    person_name: str | None
    raw_ref: str
    reason: str | None
    received_at: datetime
    unit_id: int | None
    unit_name: str | None
    workflow_id: str | None = None
    """The deadline it was matched to, if any."""
    original_path: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    contact_unit_id: int | None = None
    """With no deadline: a unit in scope the sender answers for (where to record it)."""


def subject(message_id: int) -> str:
    return f"inbound:{message_id}"


def resolve(
    session: Session,
    message_id: int,
    *,
    by: str,
    action: str,
    resolution: str,
    details: dict[str, Any] | None = None,
    deadline_id: int | None = None,
    at: datetime | None = None,
) -> bool:
    """Mark one quarantined reply resolved and audit it; False if it already was (or is
    not a quarantined reply). `deadline_id` ties a reply that matched no deadline to the
    one the coordinator recorded it for, so the unit's timeline shows it."""
    at = at or utcnow()
    values: dict[str, Any] = {"resolved_at": at, "resolved_by": by, "resolution": resolution}
    if deadline_id is not None:
        values["deadline_id"] = sa.func.coalesce(InboundMessage.deadline_id, deadline_id)
    result = session.execute(
        sa.update(InboundMessage)
        .where(
            InboundMessage.id == message_id,
            InboundMessage.outcome == InboundOutcome.QUARANTINED,
            InboundMessage.resolved_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0)) != 1:
        return False
    session.add(
        AuditEntry(
            at=at,
            actor=by,
            action=action,
            subject=subject(message_id),
            details={"resolution": resolution, **(details or {})},
        )
    )
    session.flush()
    return True


PAGE_SIZE = 100
"""Replies on one page of the quarantine listing."""
_CURSOR = re.compile(r"(\d{8}T\d{6}\.\d{6})Z_([1-9]\d{0,17})")


class BadCursor(ValueError):
    """A `before=` value this code did not write (cut short, or edited by hand)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in the listing, newest first: the (received_at, id) of the last reply
    shown. The next page holds the replies strictly older than it, in that order, so
    replies arriving meanwhile (newer than anything shown) never shift a page.

    It is only a position, never a permission: the scope is applied to every query, so a
    cursor made by hand shows at most what the user could page to anyway."""

    received_at: datetime
    id: int

    def encode(self) -> str:
        """URL-safe as is, e.g. `20250608T020000.000000Z_1234` (UTC)."""
        return f"{self.received_at.astimezone(UTC):%Y%m%dT%H%M%S.%f}Z_{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        found = _CURSOR.fullmatch(text)
        if found is None:
            raise BadCursor(text)
        try:
            at = datetime.strptime(found[1], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        except ValueError as exc:  # 20251399T…: the right shape, not a date
            raise BadCursor(text) from exc
        row_id = parse_id(found[2])
        if row_id is None:  # more digits than an id column holds
            raise BadCursor(text)
        return cls(at, row_id)


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of quarantined replies and where it lies among all of the filter's."""

    rows: list[Quarantined]
    total: int
    """Replies of the filter in the user's scope, all pages together."""
    first: int
    """1-based position of `rows[0]` among them (newest is 1); 0 with no rows."""
    older: Cursor | None
    """Where the next (older) page starts; None when this page is the last."""

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def listing(
    session: Session,
    scope: Scope,
    *,
    resolved: bool | None = False,
    before: Cursor | None = None,
    limit: int = PAGE_SIZE,
    count: bool = True,
) -> Listing:
    """Quarantined replies newest first, `limit` at a time, strictly older than `before`
    (keyset pagination: a deep page costs what the first does; no OFFSET)."""
    filters = _filters(scope, resolved)
    key_older = (
        sa.and_(
            InboundMessage.received_at <= before.received_at,  # the index's range
            sa.or_(
                InboundMessage.received_at < before.received_at,
                InboundMessage.id < before.id,
            ),
        )
        if before is not None
        else None
    )
    total = older_than_cursor = 0
    if count:
        counted = sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((key_older, 1), else_=0)), 0)
            if key_older is not None
            else sa.func.count(),
        ).select_from(InboundMessage)
        if not scope.everything:
            counted = counted.outerjoin(UnitDeadline, InboundMessage.deadline_id == UnitDeadline.id)
        total, older_than_cursor = session.execute(counted.where(*filters)).one()
    query = _select().where(*filters).limit(limit + 1)
    if key_older is not None:
        query = query.where(key_older)
    rows = _quarantined(session, scope, session.execute(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Listing(
        rows,
        int(total),
        int(total) - int(older_than_cursor) + 1 if rows else 0,
        Cursor(rows[-1].received_at, rows[-1].id) if more else None,
    )


def every(
    session: Session, scope: Scope, *, resolved: bool | None = False, chunk: int = 1000
) -> Iterator[Quarantined]:
    """Every reply of the filter, newest first (an export), `chunk` rows per query."""
    before = None
    while True:
        page = listing(session, scope, resolved=resolved, before=before, limit=chunk, count=False)
        yield from page.rows
        if page.older is None:
            return
        before = page.older


def one(session: Session, scope: Scope, message_id: int) -> Quarantined | None:
    """One quarantined reply, resolved or not, if the scope may see it."""
    query = _select().where(*_filters(scope, None), InboundMessage.id == message_id)
    found = _quarantined(session, scope, session.execute(query).all())
    return found[0] if found else None


def _filters(scope: Scope, resolved: bool | None) -> list[sa.ColumnElement[bool]]:
    """Who sees which reply: one that matched a deadline by the deadline's unit, one that
    matched none by its sender's units (it has no unit of its own; an installation-wide
    coordinator sees them all)."""
    out: list[sa.ColumnElement[bool]] = [InboundMessage.outcome == InboundOutcome.QUARANTINED]
    if resolved is not None:
        done = InboundMessage.resolved_at.is_not(None)
        out.append(done if resolved else sa.not_(done))
    if not scope.everything:
        out.append(
            sa.or_(
                scope.units_clause(UnitDeadline.unit_id),
                sa.and_(
                    InboundMessage.deadline_id.is_(None),
                    InboundMessage.person_id.in_(_contacts_in(scope)),
                ),
            )
        )
    return out


def _select() -> sa.Select[*tuple[Any, ...]]:
    return (
        sa.select(
            InboundMessage.id,
            InboundMessage.channel,
            InboundMessage.sender,
            Person.name,
            InboundMessage.raw_ref,
            InboundMessage.reason,
            InboundMessage.received_at,
            Unit.id,
            Unit.name,
            UnitDeadline.workflow_id,
            InboundMessage.original_path,
            InboundMessage.resolved_at,
            InboundMessage.resolved_by,
            InboundMessage.resolution,
            InboundMessage.person_id,
        )
        .outerjoin(Person, InboundMessage.person_id == Person.id)
        .outerjoin(UnitDeadline, InboundMessage.deadline_id == UnitDeadline.id)
        .outerjoin(Unit, UnitDeadline.unit_id == Unit.id)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
    )


def _quarantined(session: Session, scope: Scope, rows: Sequence[Any]) -> list[Quarantined]:
    homes = _contact_units(session, scope, {r.person_id for r in rows if r[7] is None})
    out = []
    for mid, channel, sender, pname, ref, reason, at, uid, uname, wid, *rest in rows:
        original, resolved_at, resolved_by, resolution, person_id = rest
        home = None if uid else homes.get(person_id or 0)  # matched a deadline: its unit
        out.append(
            Quarantined(
                mid,
                channel.value,
                sender,
                pname,
                ref,
                reason,
                at,
                uid,
                uname,
                wid,
                original,
                resolved_at,
                resolved_by,
                resolution,
                home,
            )
        )
    return out


def _contacts_in(scope: Scope) -> sa.Select[Any]:
    return sa.select(UnitContact.person_id).where(scope.units_clause(UnitContact.unit_id))


def _contact_units(session: Session, scope: Scope, person_ids: set[int | None]) -> dict[int, int]:
    """Person id -> the first unit in scope he is a contact of."""
    person_ids.discard(None)
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(UnitContact.person_id, sa.func.min(UnitContact.unit_id))
        .where(UnitContact.person_id.in_(person_ids), scope.units_clause(UnitContact.unit_id))
        .group_by(UnitContact.person_id)
    )
    return {pid: uid for pid, uid in rows}
