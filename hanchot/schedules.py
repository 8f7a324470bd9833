"""The daily CalendarSync schedule: created once, updated in place, never duplicated.

It fires at 00:05 in Asia/Ho_Chi_Minh (Temporal evaluates the calendar spec in that zone),
so a cycle whose window opens on a day is opened early that day; overlapping runs are
skipped, and a run missed while the server was down is caught up within a day.
"""

from __future__ import annotations

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

from workflows.calendar_sync import SCHEDULE_ID, WORKFLOW_ID, CalendarSync
from workflows.types import SyncInput

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


async def ensure_calendar_sync(client: Client, task_queue: str) -> ScheduleHandle:
    """Create the schedule, or bring an existing one up to date (same id, one schedule)."""
    schedule = calendar_sync_schedule(task_queue)
    try:
        return await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(SCHEDULE_ID)

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(replace)
        return handle
