"""The digest schedules: configuration from the environment, and on the dev server (the
time-skipping server has no Schedules) created once, updated in place, deleted when off."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.service import RPCError

from boundary.types import DigestRunInput
from hanchot.schedules import DigestConfig, ensure_digest_schedules
from tests.workflows.support import dev_server
from workflows.digest import DAILY_SCHEDULE_ID, WEEKLY_SCHEDULE_ID


def test_config_defaults_and_environment() -> None:
    assert DigestConfig.from_env({}) == DigestConfig((8, 0), (0, 8, 0), [])
    config = DigestConfig.from_env(
        {
            "HANCHOT_DIGEST_DAILY": "07:30",
            "HANCHOT_DIGEST_WEEKLY": "fri 16:00",
            "HANCHOT_DIGEST_ALL_CLEAR": " boss, head-a ,",
        }
    )
    assert config == DigestConfig((7, 30), (4, 16, 0), ["boss", "head-a"])
    off = DigestConfig.from_env({"HANCHOT_DIGEST_DAILY": "off", "HANCHOT_DIGEST_WEEKLY": "OFF"})
    assert (off.daily, off.weekly) == (None, None)


@pytest.mark.parametrize("bad", ["25:00", "8:61", "x"])
def test_a_bad_time_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        DigestConfig.from_env({"HANCHOT_DIGEST_DAILY": bad})


def test_a_bad_weekday_is_refused() -> None:
    with pytest.raises(ValueError, match="weekday"):
        DigestConfig.from_env({"HANCHOT_DIGEST_WEEKLY": "monday 08:00"})


async def test_schedules_on_the_dev_server() -> None:
    queue = f"digest-{uuid.uuid4().hex[:8]}"
    async with dev_server() as env:
        config = DigestConfig(all_clear=["boss"])
        daily, weekly = await ensure_digest_schedules(env.client, queue, config)
        again = await ensure_digest_schedules(env.client, queue, config)  # idempotent
        assert [h.id for h in again] == [DAILY_SCHEDULE_ID, WEEKLY_SCHEDULE_ID]
        described = await daily.describe()
        spec = described.schedule.spec
        assert spec.time_zone_name == "Asia/Ho_Chi_Minh"
        [cal] = spec.calendars
        assert (cal.hour[0].start, cal.minute[0].start) == (8, 0)
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        [arg] = await env.client.data_converter.decode(action.args, [DigestRunInput])
        assert arg == DigestRunInput("daily", all_clear=["boss"])
        [weekly_cal] = (await weekly.describe()).schedule.spec.calendars
        # Monday to Sunday (Temporal counts from Sunday = 0): the workflow picks the first
        # working day of them.
        assert [r.start for r in weekly_cal.day_of_week] == [1, 2, 3, 4, 5, 6, 0]
        # Switched off: the weekly schedule goes away.
        handles = await ensure_digest_schedules(env.client, queue, DigestConfig(weekly=None))
        assert [h.id for h in handles] == [DAILY_SCHEDULE_ID]
        with pytest.raises(RPCError):
            await weekly.describe()
