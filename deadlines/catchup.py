"""Catch-up: a deadline that opens after some of its steps' times sends one per ladder.

A cycle opened late (a first deployment in mid-year, a sync that was down), a unit added
by a revision, a timeline re-planned by a revision: every reminder and escalation whose
instant has passed would otherwise fall due at once, at whatever hour it is. Instead, of
each ladder only the step that says where the deadline stands now goes, at the next
working slot (within minutes in working hours, else the next working morning); the others
are recorded as skipped (`Timeline.skipped`), never sent. A re-planned deadline never
sends again a step it sent (a reminder already sent: no reminder catch-up at all).

- Reminders: the most recent passed one, if it can still arrive before the day it counts
  down to ends (the legal end; for a campaign with nothing to submit, the eve of its first
  day; for the start notice, the eve it announces): no reminder after the legal end.
- Escalations: the highest passed rung that messages someone of the unit (its focal
  point, its head if it has one). A supervisor rung sends nothing (his digest lists every
  overdue unit under him, whatever the rungs), so above those it is skipped, and caught up
  only when no rung that messages passed.
- A catch-up is dropped (skipped too) when the next step of its ladder arrives on the same
  day or earlier: that one says more, and two steps never share a day. It is also dropped
  when the deadline closes first.

Pure: UTC instants in, UTC instants out; the working slot is the caller's function (the
frozen calendar's working days and hours), so a workflow never computes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from boundary.types import Step, Timeline
from deadlines.opening import order_steps
from deadlines.present import step_text

CATCH_UP_MARGIN = timedelta(minutes=5)
"""A catch-up goes no sooner than this after the deadline opens: time for its workflow to
take the input (a start, an update) while the step is still ahead of it."""
START_NOTICE = "remind:start"
WHY = "mở hạn nộp sau mốc {at}"
WHY_SKIPPED = "; không gửi: {steps}"
"""The catch-up's reason (Vietnamese), shown beside its event on the unit's timeline."""

Slot = Callable[[datetime], datetime]
"""The first moment at or after an instant inside working hours on a working day."""
MESSAGED = frozenset({"focal_point", "head"})
"""The rungs whose escalation is a message (a supervisor's goes to his digest)."""


def catch_up(
    timeline: Timeline,
    at: datetime,
    slot: Slot,
    tz: ZoneInfo,
    messaged: frozenset[str] = MESSAGED,
    sent: frozenset[str] = frozenset(),
) -> Timeline:
    """`timeline` as a deadline opening at `at` holds it (unchanged if no step passed).

    `messaged`: the rungs that reach somebody of this unit (a unit with no head: only
    the focal point's), of which the highest passed one is caught up. `sent`: the steps a
    re-planned deadline has already sent (never sent again, so neither skipped nor caught
    up); a reminder already sent, or the chosen rung, means that ladder needs no catch-up."""
    if not any(s.at <= at for s in timeline.steps):
        return timeline
    send_at = _send_at(at, slot, tz)
    steps: list[Step] = []
    skipped = list(timeline.skipped)
    for kind in ("remind", "escalate"):
        ladder = order_steps([s for s in timeline.steps if s.kind == kind])
        past = [s for s in ladder if s.at <= at]
        ahead = [s for s in ladder if s.at > at]
        steps += ahead
        if not past:
            continue
        chosen = _chosen(past, messaged)
        unsent = [s for s in past if s.key not in sent]
        reached = chosen.key in sent or (kind == "remind" and len(unsent) < len(past))
        if not reached and _sendable(chosen, send_at, ahead, timeline, tz):
            others = [s.key for s in unsent if s is not chosen]
            steps.append(_caught_up(chosen, send_at, others, tz))
            skipped += others
        else:
            skipped += [s.key for s in unsent]
    return dataclasses.replace(timeline, steps=order_steps(steps), skipped=skipped)


def _send_at(at: datetime, slot: Slot, tz: ZoneInfo) -> datetime:
    """Now (after the margin) if that is a working moment, else the next working morning
    (a slot moved to another day keeps its time of day: right for a reminder set for
    15:00, not for a catch-up asked on Sunday at 15:00)."""
    soon = at + CATCH_UP_MARGIN
    found = slot(soon)
    if _day(found, tz) == _day(soon, tz):
        return found
    return slot(datetime.combine(_day(found, tz), time(0, 0), tzinfo=tz))


def _chosen(past: list[Step], messaged: frozenset[str]) -> Step:
    """The step of a ladder that says where the deadline stands now (see the module)."""
    if past[0].kind == "remind":
        return past[-1]
    messaging = [s for s in past if s.to in messaged]
    return (messaging or past)[-1]


def _sendable(
    step: Step, send_at: datetime, ahead: list[Step], timeline: Timeline, tz: ZoneInfo
) -> bool:
    if send_at >= timeline.closes_at:
        return False
    if ahead and _day(ahead[0].at, tz) <= _day(send_at, tz):
        return False
    if step.kind == "remind":
        return send_at < min(timeline.legal_end_at, _reminder_bound(step, tz))
    return True


def _reminder_bound(step: Step, tz: ZoneInfo) -> datetime:
    """The end of the day the reminder counts down to (its anchor), local time."""
    if step.nominal_at is None:
        return datetime.max.replace(tzinfo=tz)
    meant = _day(step.nominal_at, tz)
    anchor = meant if step.key.endswith(START_NOTICE) else meant - timedelta(step.offset_days)
    return datetime.combine(anchor + timedelta(days=1), time(0, 0), tzinfo=tz)


def _caught_up(step: Step, send_at: datetime, others: list[str], tz: ZoneInfo) -> Step:
    why = WHY.format(at=f"{step.at.astimezone(tz):%d/%m/%Y %H:%M}")
    if others:
        why += WHY_SKIPPED.format(steps=", ".join(step_text(k) for k in others))
    return dataclasses.replace(step, at=send_at, deferred_because=why, catch_up=True)


def _day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()
