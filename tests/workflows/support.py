"""Test calendar, time-skipping environment and recording stand-ins for the store activities.

The calendar is written for a year after the test server's clock (which starts at the real
current time), so every cycle lies in the future and time skipping walks through it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import contracts as act
from activities.calendars import PublishedCalendars
from activities.cycles import CycleActivities
from activities.deadlines import DeadlineActivities
from activities.planning import PlanningActivities
from activities.publishing import publish_files
from activities.revisions import RevisionActivities
from activities.snapshot import FrozenCycle, freeze
from activities.store_access import StoreAccess
from boundary.types import Timeline, UnitDeadlineInput
from config.loader import load_calendar_text
from deadlines.model import Calendar
from deadlines.periods import periods_in_year
from deadlines.timeline import plan_cycle
from hanchot.binaries import temporal_cli, test_server
from store import db, migrate
from workflows.calendar_revision import CalendarRevision
from workflows.calendar_sync import CalendarSync
from workflows.cycle import Cycle
from workflows.digest import Digest
from workflows.simulated_unit import SimulatedUnit
from workflows.unit_deadline import UnitDeadline

WORKFLOWS = [UnitDeadline, Cycle, CalendarSync, CalendarRevision, SimulatedUnit, Digest]

CALENDAR_YAML = """\
calendar: {{id: test-cal, name: Lịch thử nghiệm}}
organisation: {{id: ubnd-thu, name: UBND tỉnh Thử, timezone: Asia/Ho_Chi_Minh}}
defaults:
  reading: literal
  reminder_time: "08:00"
  working_hours: "07:30-17:00"
  reminders: [{reminders}]
  escalation:
    - {{after: 1d, to: focal_point}}
    - {{after: 3d, to: head}}
    - {{after: 5d, to: supervisor}}
  open_before: 30d
people:
  - {{id: coord, name: Nguyễn Thị Điều Phối, email: coord@thu.example, phone: 0204 3812 345}}
  - {{id: fp-a, name: Trần Văn A, email: a@thu.example, telegram: "@fp_aaa"}}
  - {{id: head-a, name: Lê Văn Trưởng, email: truong@thu.example}}
  - {{id: fp-b, name: Phạm Thị B, email: b@thu.example}}
  - {{id: fp-c, name: Đỗ Văn C, email: c@thu.example}}
  - {{id: boss, name: Hoàng Văn Lãnh Đạo, email: boss@thu.example}}
units:
  - {{id: ubnd, name: UBND tỉnh Thử, kind: province}}
  - {{id: so-noi-vu, name: Sở Nội vụ, kind: office, parent: ubnd, focal_point: coord}}
  - {{id: unit-a, name: Sở Y tế, kind: department, parent: ubnd, focal_point: fp-a, head: head-a}}
  - {{id: unit-b, name: Sở Giáo dục và Đào tạo, kind: department, parent: ubnd, focal_point: fp-b}}
  - {{id: unit-c, name: Sở Công Thương, kind: department, parent: ubnd, focal_point: fp-c,
      closed: 01/04/{year}}}
supervisors:
  - {{person: boss, units: [ubnd]}}
obligations:
  - id: bao-cao-6-thang
    name: Báo cáo 6 tháng công tác bình đẳng giới
    period: semiannual
    due: {{H1: {due}}}
    submitters: {{kinds: [department]}}
    receiver: so-noi-vu
"""

OBLIGATION = "bao-cao-6-thang"
DEFAULT_REMINDERS = "-7d, -3d, -1d, 0d"


def calendar_text(year: int, due: str = "before 15/06", reminders: str = DEFAULT_REMINDERS) -> str:
    return CALENDAR_YAML.format(year=year, due=due, reminders=reminders)


def make_calendar(year: int, **kw: str) -> Calendar:
    return load_calendar_text(calendar_text(year, **kw), "test-cal.yaml")


def frozen_h1(calendar: Calendar, year: int) -> FrozenCycle:
    obligation = calendar.obligation(OBLIGATION)
    period, rule = next(p for p in periods_in_year(obligation, year) if p[0].slot == "H1")
    return freeze(calendar, plan_cycle(calendar, obligation, period, rule))


def unit_input(year: int, unit: str = "unit-a", **kw: str) -> UnitDeadlineInput:
    frozen = frozen_h1(make_calendar(year, **kw), year)
    return next(u for u in frozen.units if u.unit_id == unit)


class Recorder:
    """Stands in for the store and outbox activities and keeps what it was asked."""

    def __init__(self) -> None:
        self.events: list[act.DeadlineEvent] = []
        self.notes: list[act.NotifyInput] = []

    @activity.defn(name=act.RECORD_DEADLINE_EVENT)
    async def record(self, event: act.DeadlineEvent) -> None:
        self.events.append(event)

    @activity.defn(name=act.ENQUEUE_NOTIFICATION)
    async def notify(self, inp: act.NotifyInput) -> act.NotifyResult:
        self.notes.append(inp)
        return act.NotifyResult(queued=len(inp.recipients), already=0)

    def all(self) -> list[object]:
        return [self.record, self.notify, *PlanningActivities().all()]

    def kinds(self, event: str) -> list[act.DeadlineEvent]:
        return [e for e in self.events if e.entry.event == event]

    def steps(self) -> list[str]:
        return [n.step for n in self.notes]


class Unplannable:
    """The re-plan fails for good, as the real one does on a day past every bound."""

    @activity.defn(name=act.REPLAN_DEADLINE)
    async def replan(self, inp: act.ReplanInput) -> Timeline:
        raise ApplicationError("cannot re-plan", type="ReplanImpossible", non_retryable=True)

    def with_recorder(self, rec: Recorder) -> list[object]:
        """The recorder's activities with this re-plan instead of the real one."""
        return [rec.record, rec.notify, self.replan, PlanningActivities().next_working_slot]


@asynccontextmanager
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=test_server())
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def worker(client: Client, activities: list[object]) -> AsyncIterator[str]:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=activities,
        workflow_failure_exception_types=[Exception],
    ):
        yield queue


async def env_year(env: WorkflowEnvironment) -> int:
    """A year whose H1 cycle has not opened yet on the environment's clock."""
    now = await env.get_current_time()
    return now.year + 1


async def sleep_until(env: WorkflowEnvironment, instant: datetime) -> None:
    now = await env.get_current_time()
    if instant > now:
        await env.sleep(instant - now)


def run_timeout(days: int = 400) -> timedelta:
    """Execution timeout for a test workflow: a bug fails the test instead of hanging it."""
    return timedelta(days=days)


def calendar_file(tmp: Path, year: int, **kw: str) -> Path:
    path = tmp / "test-cal.yaml"
    path.write_text(calendar_text(year, **kw), encoding="utf-8")
    return path


def sqlite_store(tmp: Path) -> StoreAccess:
    """A migrated SQLite store in `tmp`."""
    url = f"sqlite:///{tmp / 'hanchot.db'}"
    migrate.upgrade(url)
    return StoreAccess(db.create_engine(url))


def publish(store: StoreAccess, paths: list[Path]) -> None:
    """Publish calendar files into the store, as `hanchot load` does."""
    with store.write() as session:
        publish_files(session, paths, "test")


def engine_activities(client: Client, store: StoreAccess, paths: list[Path]) -> list[object]:
    """The real activities, on the given store, the calendar files published into it first
    (the engine reads only published revisions)."""
    publish(store, paths)
    return [
        *DeadlineActivities(store).all(),
        *CycleActivities(store, client, PublishedCalendars(store)).all(),
        *PlanningActivities().all(),
        *RevisionActivities(store, client).all(),
    ]


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `check` (a query, say) until true: workflows started by an activity appear
    when that activity has run, which a test cannot otherwise wait for."""
    for _ in range(400):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


async def cycle_opened(client: Client, cycle_id: str, units: int) -> None:
    handle = client.get_workflow_handle_for(Cycle.run, cycle_id)

    async def opened() -> bool:
        try:
            return (await handle.query(Cycle.progress)).opened >= units
        except RPCError:  # not started yet, or its first task not yet run
            return False

    await until(opened, f"{cycle_id} to open {units} units")
