"""A unit deadline's status at an instant, the timers still ahead of it, and what its
"opened" event says: pure rules over the frozen timeline (boundary types, UTC instants).

Shared by the UnitDeadline workflow, which decides as time passes, and the cycle's
opening activity, which records the "opened" event of a whole batch of units in one
transaction before starting their workflows: both must say the same thing about the
same instant, so the rule lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boundary.types import Step, Timeline, UnitDeadlineInput
from deadlines.expected import DeadlineStatus


def derive_status(
    now: datetime,
    opens_at: datetime,
    timeline: Timeline,
    *,
    submitted_on_time: bool | None,
    excused: bool,
    missing: bool,
) -> DeadlineStatus:
    """Where the deadline stands at `now`; `submitted_on_time` is None before submission."""
    if missing:
        return DeadlineStatus.MISSING
    if excused:
        return DeadlineStatus.EXCUSED
    if submitted_on_time is not None:
        return (
            DeadlineStatus.SUBMITTED_ON_TIME if submitted_on_time else DeadlineStatus.SUBMITTED_LATE
        )
    if now >= timeline.legal_end_at and timeline.expects_submission:
        return DeadlineStatus.OVERDUE
    if timeline.generation > 0:
        return DeadlineStatus.EXTENDED
    if now >= timeline.due_soon_at:
        return DeadlineStatus.DUE_SOON
    if now >= opens_at:
        return DeadlineStatus.OPEN
    return DeadlineStatus.SCHEDULED


def order_steps(steps: list[Step]) -> list[Step]:
    """Timers fire by instant; at the same instant reminders first, then escalations in
    their configured order (the key carries the index)."""
    return sorted(steps, key=lambda s: (s.at, s.kind != "remind", s.key))


def reopen_pending(pending: list[Step], now: datetime) -> tuple[list[Step], list[str]]:
    """After a reopen, reminders whose time has passed are skipped (a reminder about a
    date already gone says nothing); escalations still fire, in order."""
    skipped = [s.key for s in pending if s.kind == "remind" and s.at <= now]
    kept = [s for s in pending if not (s.kind == "remind" and s.at <= now)]
    return order_steps(kept), skipped


@dataclass(frozen=True)
class Opening:
    """A deadline as it opens at `at`: its status, its timers to come, and the details of
    its "opened" event: the steps skipped because their time had passed, and the catch-up
    sent instead (deadlines.catchup, applied before the deadline starts)."""

    at: datetime
    status: DeadlineStatus
    pending: list[Step]
    details: dict[str, Any]


def opening(inp: UnitDeadlineInput, at: datetime) -> Opening:
    timeline = inp.cycle.timeline
    status = derive_status(
        at, inp.cycle.opens_at, timeline, submitted_on_time=None, excused=False, missing=False
    )
    pending, skipped = reopen_pending(order_steps(list(timeline.steps)), at)
    details: dict[str, Any] = {"timeline_generation": 0}
    # A timeline caught up for this opening (deadlines.catchup) names what it skipped and
    # what it sends instead; a timeline from before catch-up names neither.
    skipped = [*timeline.skipped, *skipped]
    if skipped:
        details["skipped"] = skipped
    caught_up = [{"step": s.key, "at": s.at.isoformat()} for s in pending if s.catch_up]
    if caught_up:
        details["catch_up"] = caught_up
    return Opening(at, status, pending, details)
