"""The Digest workflow on the time-skipping server with the real activities on SQLite: the
right supervisor gets the right units, once per period, nothing when nothing is overdue,
no daily digest on a day off. (The time-skipping server has no Schedules: the workflow is
started as the schedule would start it.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.digests import DigestActivities
from activities.store_access import StoreAccess
from boundary.types import DigestRunInput, DigestRunResult
from deadlines.workdays import WorkCalendar
from store.models import OutboxMessage, Person
from tests.digests.seed import seed
from tests.workflows.support import sleep_until, sqlite_store, time_skipping
from workflows.digest import Digest

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def next_day(after: datetime, working: bool) -> datetime:
    """08:00 Hà Nội time on the first day after `after` that is (or is not) a working day."""
    day = after.astimezone(HANOI).date() + timedelta(days=1)
    while WorkCalendar().is_working_day(day) != working:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=HANOI)


@asynccontextmanager
async def running(env: WorkflowEnvironment, store: StoreAccess) -> AsyncIterator[str]:
    queue = f"digest-{uuid.uuid4().hex[:8]}"
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[Digest],
        activities=DigestActivities(store).all(),
        workflow_failure_exception_types=[Exception],
    ):
        yield queue


async def fire(env: WorkflowEnvironment, queue: str, inp: DigestRunInput) -> DigestRunResult:
    return await env.client.execute_workflow(
        Digest.run,
        inp,
        id=f"digest-{uuid.uuid4().hex[:8]}",
        task_queue=queue,
        execution_timeout=timedelta(hours=1),
    )


def outbox(store: StoreAccess) -> list[tuple[str, str, str, dict[str, object]]]:
    with store.read() as session:
        rows = session.execute(
            sa.select(Person.key, OutboxMessage.channel, OutboxMessage.step, OutboxMessage.payload)
            .join(Person, OutboxMessage.recipient_id == Person.id)
            .order_by(OutboxMessage.id)
        )
        return [(key, channel.value, step, payload) for key, channel, step, payload in rows]


async def test_daily_digest_reaches_the_right_supervisors_once(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env, running(env, store) as queue:
        monday = next_day(await env.get_current_time(), working=True)
        seed(store, tmp_path, legal_end=monday - timedelta(days=5, hours=-2))
        await sleep_until(env, monday)
        result = await fire(env, queue, DigestRunInput("daily"))
        day = monday.date().isoformat()
        assert result.period_keys == [day]
        assert (result.queued, result.already, result.skipped) == (2, 0, [])
        rows = outbox(store)
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("boss", "email", f"digest:daily:{day}"),
            ("head-a", "email", f"digest:daily:{day}"),
        ]
        for *_, payload in rows:
            assert payload["kind"] == "digest"
            [group] = payload["groups"]  # type: ignore[misc]
            [unit] = group["units"]
            assert unit["unit_name"] == "Sở Y tế"
            assert unit["days_overdue"] == 5
        # The schedule firing again in the same period (or a retried run) sends nothing.
        again = await fire(env, queue, DigestRunInput("daily"))
        assert (again.queued, again.already) == (0, 2)
        assert len(outbox(store)) == 2
        # The next working day is a new period.
        nxt = next_day(monday, working=True)
        await sleep_until(env, nxt)
        later = await fire(env, queue, DigestRunInput("daily"))
        assert later.period_keys == [nxt.date().isoformat()]
        assert later.queued == 2


async def test_no_digest_on_a_day_off_and_the_weekly_one_once_a_week(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env, running(env, store) as queue:
        off = next_day(await env.get_current_time(), working=False)
        seed(store, tmp_path, legal_end=off - timedelta(days=5))
        await sleep_until(env, off)
        daily = await fire(env, queue, DigestRunInput("daily"))
        assert (daily.queued, daily.skipped) == (0, ["test-cal"])
        work = next_day(off, working=True)
        # Weekly, due on the day off: it goes out on the first working day after it in that
        # week, if any, so not today.
        weekly = await fire(env, queue, DigestRunInput("weekly", weekday=off.weekday()))
        assert (weekly.queued, weekly.skipped) == (0, ["test-cal"])
        await sleep_until(env, work)
        weekly = await fire(env, queue, DigestRunInput("weekly", weekday=work.weekday()))
        year, week, _ = work.isocalendar()
        assert weekly.period_keys == [f"{year}-W{week:02d}"]
        assert weekly.queued == 2
        assert {r[2] for r in outbox(store)} == {f"digest:weekly:{year}-W{week:02d}"}
        # The schedule fires again later that week: nothing more.
        later = next_day(work, working=True)
        if later.isocalendar()[:2] == (year, week):
            await sleep_until(env, later)
            again = await fire(env, queue, DigestRunInput("weekly", weekday=work.weekday()))
            assert (again.queued, again.skipped) == (0, ["test-cal"])
        assert len(outbox(store)) == 2


async def test_nothing_overdue_nothing_sent_unless_all_clear_asked(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env, running(env, store) as queue:
        day = next_day(await env.get_current_time(), working=True)
        seed(store, tmp_path, overdue=False, legal_end=day - timedelta(days=5))
        await sleep_until(env, day)
        quiet = await fire(env, queue, DigestRunInput("daily"))
        assert quiet.queued == 0
        assert outbox(store) == []
        clear = await fire(env, queue, DigestRunInput("daily", all_clear=["boss"]))
        assert clear.queued == 1
        [(who, _, _, payload)] = outbox(store)
        assert who == "boss" and payload["groups"] == []
