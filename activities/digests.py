"""Activities of the supervisor digests: which digests a schedule firing owes, and building
one digest and putting it in the outbox.

Once per period holds by the outbox's unique key: the row of a digest has workflow id
`digest/{calendar}/{supervisor}` and step `digest:{kind}:{period_key}`, so a schedule that
fires twice, or a retried activity, queues nothing new.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as act
from activities.store_access import StoreAccess
from boundary.types import DigestTarget
from deadlines import model as dm
from deadlines.workdays import WorkCalendar
from store import digests, outbox
from store.calendar_model import from_json
from store.models import Calendar


def period_key(kind: str, local_day: datetime) -> str:
    """ "2026-11-23" for a daily digest, the ISO week "2026-W48" for a weekly one."""
    if kind == "weekly":
        year, week, _ = local_day.isocalendar()
        return f"{year}-W{week:02d}"
    return local_day.date().isoformat()


def outbox_workflow_id(calendar_key: str, supervisor: str) -> str:
    return f"digest/{calendar_key}/{supervisor}"


def step(kind: str, key: str) -> str:
    return f"digest:{kind}:{key}"


class DigestActivities:
    def __init__(self, store: StoreAccess) -> None:
        self._store = store

    @activity.defn(name=act.PLAN_DIGESTS)
    async def plan_digests(self, inp: act.DigestPlanInput) -> act.DigestPlan:
        return await asyncio.to_thread(self._plan, inp)

    def _plan(self, inp: act.DigestPlanInput) -> act.DigestPlan:
        kind = inp.run.kind
        if kind not in digests.KINDS:
            raise ApplicationError(f"unknown digest kind {kind!r}", non_retryable=True)
        plan = act.DigestPlan()
        wanted = set(inp.run.all_clear)
        with self._store.read() as session:
            keys = inp.run.calendar_ids or digests.calendar_keys(session)
            for key in keys:
                calendar = session.scalar(sa.select(Calendar).where(Calendar.key == key))
                if calendar is None:
                    continue
                local = inp.at.astimezone(ZoneInfo(calendar.timezone))
                if (
                    sending_day(_work(calendar), local.date(), kind, inp.run.weekday)
                    != local.date()
                ):
                    plan.skipped.append(key)
                    continue
                plan.targets.extend(
                    DigestTarget(key, person, period_key(kind, local), kind, person in wanted)
                    for person in digests.supervisor_keys(session, key)
                )
        return plan

    @activity.defn(name=act.BUILD_AND_ENQUEUE_DIGEST)
    async def build_and_enqueue_digest(self, inp: act.DigestInput) -> act.DigestOutcome:
        return await asyncio.to_thread(self._build, inp)

    def _build(self, inp: act.DigestInput) -> act.DigestOutcome:
        t = inp.target
        with self._store.write() as session:
            try:
                digest = digests.build_digest(session, t.calendar_id, t.supervisor, inp.at)
            except LookupError as exc:
                # Left the calendar since the plan: nothing to send, the others still go.
                activity.logger.warning("digest skipped: %s", exc)
                return act.DigestOutcome()
            if not digest.overdue and not t.all_clear:
                return act.DigestOutcome()
            payload = {
                "kind": "digest",
                "digest_kind": t.kind,
                "period_key": t.period_key,
                **digest.payload(),
            }
            queued = outbox.enqueue(
                session,
                workflow_id=outbox_workflow_id(t.calendar_id, t.supervisor),
                calendar_key=t.calendar_id,
                step=step(t.kind, t.period_key),
                recipients=[t.supervisor],
                payload=payload,
            )
        if queued.unreachable:
            activity.logger.warning("digest for %s: no channel", t.supervisor)
        return act.DigestOutcome(digest.overdue, queued.queued, queued.already)

    def all(self) -> list[object]:
        return [self.plan_digests, self.build_and_enqueue_digest]


def sending_day(work: WorkCalendar, today: date, kind: str, weekday: int = 0) -> date | None:
    """The day a digest of `kind` goes out, as seen on `today`: a daily one today if it is
    a working day; a weekly one on the first working day on or after `weekday` in today's
    week. None: no sending day (a day off; a week off from `weekday` on)."""
    if kind == "daily":
        return today if work.is_working_day(today) else None
    day = today - timedelta(days=today.weekday() - weekday)
    while day.weekday() >= weekday and day.isocalendar()[:2] == today.isocalendar()[:2]:
        if work.is_working_day(day):
            return day
        day += timedelta(days=1)
    return None


def _work(calendar: Calendar) -> WorkCalendar:
    return WorkCalendar(
        from_json(tuple[dm.DayOff, ...], calendar.days_off),
        from_json(tuple[dm.DayOff, ...], calendar.working_saturdays),
    )
