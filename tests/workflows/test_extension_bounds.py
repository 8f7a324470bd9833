"""An extension to a day no timeline can hold (issue 12): refused where it enters the
workflow, and a re-plan that fails for good fails once, leaving the request decidable.

It was: 31/12/9999 passed validation, replan_deadline overflowed and was retried for
ever, the request stayed "deciding" and no later decision (web or CLI) was accepted.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

import activities.contracts as act
from activities.planning import PlanningActivities
from boundary.types import (
    ActorRequest,
    ExtensionDecision,
    ExtensionRequestInput,
    SubmitRequest,
)
from deadlines import bounds
from tests.workflows.support import (
    Recorder,
    Unplannable,
    env_year,
    time_skipping,
    unit_input,
    worker,
)
from tests.workflows.test_unit_deadline import start
from workflows import deadline_state as ds
from workflows.unit_deadline import UnitDeadline

GUARD = 60
"""Seconds before a hung update fails the test (the bug was an update that never ends)."""


@pytest.mark.parametrize(
    ("day", "fragment"),
    [
        ("9999-12-31", "quá xa"),
        ("2026-06-16", "quá xa"),  # 367 days past the current last day
        ("2025-06-14", "sau 14/06/2025"),
        ("2025-02-30", "yyyy-mm-dd"),
        ("20250701", "yyyy-mm-dd"),
        ("2025-07-01\n", "yyyy-mm-dd"),
    ],
)
def test_new_last_day_is_bounded_by_the_validator(day: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        ds.check_new_last_day(day, "2025-06-14")


def test_days_granted_past_the_last_bound_are_refused_by_the_validator() -> None:
    ds.check_days_granted(90, "2100-10-01")
    with pytest.raises(ValueError, match="quá xa"):
        ds.check_days_granted(90, "2100-12-20")


def test_new_last_day_within_bounds_is_accepted() -> None:
    last = date(2025, 6, 14)
    furthest = last + timedelta(days=bounds.EXTENSION_GRANT_MAX_DAYS)
    for day in (last + timedelta(days=1), furthest):
        ds.check_new_last_day(day.isoformat(), last.isoformat())


async def test_replan_to_an_impossible_day_fails_for_good() -> None:
    inp = unit_input(2030)
    base = act.ReplanInput(
        rules=inp.cycle.rules,
        period_id=inp.cycle.period_id,
        obligation_id=inp.cycle.obligation_id,
        new_last_day="9999-12-31",
        current_last_day=inp.cycle.timeline.last_day,
        days=10,
        generation=1,
    )
    for bad in (base, replace(base, new_last_day=None, current_last_day="9999-12-25")):
        with pytest.raises(ApplicationError) as info:
            await PlanningActivities().replan_deadline(bad)
        assert info.value.non_retryable


async def test_extension_to_9999_is_refused_and_the_request_stays_decidable() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        inp = unit_input(await env_year(env))
        handle = await start(env.client, queue, inp)
        await handle.execute_update(
            UnitDeadline.request_extension, ExtensionRequestInput("r1", "fp-a", 10, "Chờ số liệu")
        )
        with pytest.raises(WorkflowUpdateFailedError) as info:
            async with asyncio.timeout(GUARD):
                await handle.execute_update(
                    UnitDeadline.decide_extension,
                    ExtensionDecision("d1", "coord", approve=True, new_last_day="9999-12-31"),
                )
        assert "quá xa" in str(info.value.cause)
        last = date.fromisoformat(inp.cycle.timeline.last_day)
        granted = (last + timedelta(days=20)).isoformat()
        decided = await handle.execute_update(
            UnitDeadline.decide_extension,
            ExtensionDecision("d2", "coord", approve=True, new_last_day=granted),
        )
        assert decided.status == "extended"
        state = await handle.query(UnitDeadline.state)
        await handle.terminate()
    assert state.extensions[0].status == "approved"
    assert state.extensions[0].new_last_day == granted


async def test_a_replan_that_fails_for_good_leaves_the_request_to_decide_again() -> None:
    activities = Unplannable().with_recorder(Recorder())
    async with time_skipping() as env, worker(env.client, activities) as queue:
        inp = unit_input(await env_year(env))
        handle = await start(env.client, queue, inp)
        await handle.execute_update(
            UnitDeadline.request_extension, ExtensionRequestInput("r1", "fp-a", 10, "Chờ số liệu")
        )
        with pytest.raises(WorkflowUpdateFailedError) as info:
            async with asyncio.timeout(GUARD):
                await handle.execute_update(
                    UnitDeadline.decide_extension, ExtensionDecision("d1", "coord", approve=True)
                )
        assert "không tính được hạn mới" in str(info.value.cause)
        assert "vẫn chờ quyết định" in str(info.value.cause)
        await handle.execute_update(
            UnitDeadline.decide_extension, ExtensionDecision("d2", "coord", approve=False)
        )
        state = await handle.query(UnitDeadline.state)
        await handle.terminate()
    assert state.extensions[0].status == "refused"
    assert state.due_at == inp.cycle.timeline.legal_end_at


@pytest.mark.parametrize(
    ("request_", "fragment"),
    [
        (
            SubmitRequest("s1", "fp-a", submitted_at=datetime(1, 1, 1, tzinfo=UTC)),
            "nộp lúc nằm ngoài",
        ),
        (SubmitRequest("s1", "fp-a", note="x" * 5000), "ghi chú dài quá 2000"),
        (SubmitRequest("s" * 1000, "fp-a"), "mã yêu cầu dài quá"),
        (ExtensionRequestInput("r1", "fp-a", 5, "x" * 5000), "lý do dài quá 2000"),
        (ExtensionDecision("d1", "c", approve=False, note="x" * 5000), "ghi chú dài quá 2000"),
        (ActorRequest("a1", "c", "x" * 5000), "lý do dài quá 2000"),
    ],
)
def test_every_update_is_bounded_by_its_validator(request_: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        ds.check_request(request_)


async def test_a_submission_dated_in_year_1_is_refused_by_the_workflow() -> None:
    async with time_skipping() as env, worker(env.client, Recorder().all()) as queue:
        handle = await start(env.client, queue, unit_input(await env_year(env)))
        long_ago = datetime(1, 1, 1, 8, tzinfo=UTC)
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await handle.execute_update(
                UnitDeadline.submit, SubmitRequest("s1", "fp-a", submitted_at=long_ago)
            )
        assert "nộp lúc nằm ngoài khoảng 01/01/1900" in str(info.value.cause)
        state = await handle.query(UnitDeadline.state)
        await handle.terminate()
    assert state.submission is None
