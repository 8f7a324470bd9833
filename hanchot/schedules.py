"""The daily CalendarSync schedule: created once, updated in place, never duplicated.

It fires at 00:05 in Asia/Ho_Chi_Minh (Temporal evaluates the calendar spec in that zone),
so a cycle whose window opens on a day is opened early that day; overlapping runs are
skipped, and a run missed while the server was down is caught up within a day.

The supervisor digests have two more schedules, created alongside (see `DigestConfig`):
daily at 08:00 (the Digest workflow skips days that are not working days for a calendar,
so a working Saturday gets its digest and a holiday none) and weekly on Monday at 08:00
(on the first working day of the week from Monday on, when Monday is off).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError

from boundary.types import DigestRunInput, SyncInput
from workflows.calendar_sync import SCHEDULE_ID, WORKFLOW_ID, CalendarSync
from workflows.digest import (
    DAILY_SCHEDULE_ID,
    DAILY_WORKFLOW_ID,
    WEEKLY_SCHEDULE_ID,
    WEEKLY_WORKFLOW_ID,
    Digest,
)

TIME_ZONE = "Asia/Ho_Chi_Minh"


def calendar_sync_schedule(task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CalendarSync.run,
            SyncInput(),
            id=WORKFLOW_ID,
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(0)], minute=[ScheduleRange(5)])],
            time_zone_name=TIME_ZONE,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
    )


async def _ensure(client: Client, schedule_id: str, schedule: Schedule) -> ScheduleHandle:
    try:
        return await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(schedule_id)

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(replace)
        return handle


async def ensure_calendar_sync(client: Client, task_queue: str) -> ScheduleHandle:
    """Create the schedule, or bring an existing one up to date (same id, one schedule).

    The digest schedules are ensured too (as configured by the environment)."""
    handle = await _ensure(client, SCHEDULE_ID, calendar_sync_schedule(task_queue))
    await ensure_digest_schedules(client, task_queue, DigestConfig.from_env())
    return handle


# --- supervisor digests --------------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DigestConfig:
    """When digests go out. From the environment:

    - `HANCHOT_DIGEST_DAILY`: "08:00" (default) or "off";
    - `HANCHOT_DIGEST_WEEKLY`: "mon 08:00" (default) or "off";
    - `HANCHOT_DIGEST_ALL_CLEAR`: person ids (comma separated) of supervisors who want a
      message also when nothing is overdue (the calendar config has no such field yet).
    """

    daily: tuple[int, int] | None = (8, 0)
    weekly: tuple[int, int, int] | None = (0, 8, 0)
    """(weekday 0 = Monday, hour, minute)."""
    all_clear: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DigestConfig:
        env = os.environ if env is None else env
        daily = env.get("HANCHOT_DIGEST_DAILY", "08:00").strip().lower()
        weekly = env.get("HANCHOT_DIGEST_WEEKLY", "mon 08:00").strip().lower()
        people = env.get("HANCHOT_DIGEST_ALL_CLEAR", "")
        return cls(
            daily=None if daily == "off" else _clock(daily),
            weekly=None if weekly == "off" else _weekly(weekly),
            all_clear=[p.strip() for p in people.split(",") if p.strip()],
        )


def _clock(text: str) -> tuple[int, int]:
    hour, _, minute = text.partition(":")
    h, m = int(hour), int(minute or 0)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"not a time of day: {text!r}")
    return h, m


def _weekly(text: str) -> tuple[int, int, int]:
    day, _, clock = text.partition(" ")
    if day not in WEEKDAYS:
        raise ValueError(f"not a weekday: {day!r} (one of {', '.join(WEEKDAYS)})")
    return (WEEKDAYS.index(day), *_clock(clock or "08:00"))


def digest_schedule(
    task_queue: str, kind: str, at: tuple[int, int], weekday: int | None, all_clear: list[str]
) -> Schedule:
    # Weekly: every day from `weekday` to Sunday (the workflow sends on the first working
    # one of them). Temporal counts days of the week from Sunday = 0.
    days = [ScheduleRange((d + 1) % 7) for d in range(weekday, 7)] if weekday is not None else []
    return Schedule(
        action=ScheduleActionStartWorkflow(
            Digest.run,
            DigestRunInput(kind=kind, all_clear=list(all_clear), weekday=weekday or 0),
            id=DAILY_WORKFLOW_ID if kind == "daily" else WEEKLY_WORKFLOW_ID,
            task_queue=task_queue,
            execution_timeout=timedelta(hours=2),
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(at[0])],
                    minute=[ScheduleRange(at[1])],
                    **({"day_of_week": days} if days else {}),
                )
            ],
            time_zone_name=TIME_ZONE,
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=8)
        ),
    )


async def ensure_digest_schedules(
    client: Client, task_queue: str, config: DigestConfig
) -> list[ScheduleHandle]:
    """The daily and weekly digest schedules, created or updated; one switched off is
    deleted, so turning it off in the environment stops it."""
    handles = []
    wanted: list[tuple[str, Schedule | None]] = [
        (
            DAILY_SCHEDULE_ID,
            digest_schedule(task_queue, "daily", config.daily, None, config.all_clear)
            if config.daily
            else None,
        ),
        (
            WEEKLY_SCHEDULE_ID,
            digest_schedule(
                task_queue, "weekly", config.weekly[1:], config.weekly[0], config.all_clear
            )
            if config.weekly
            else None,
        ),
    ]
    for schedule_id, schedule in wanted:
        if schedule is not None:
            handles.append(await _ensure(client, schedule_id, schedule))
            continue
        with contextlib.suppress(RPCError):
            await client.get_schedule_handle(schedule_id).delete()
    return handles
