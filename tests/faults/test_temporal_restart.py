"""The Temporal dev server (file persistence, as `hanchot dev` runs it) restarted while a
deadline waits for its next reminder: the worker keeps its client, the server comes back
on the same state file and port, the timer fires, the reminder is queued in the outbox
and the workflow goes on with its cycle.

The deadline is the test calendar's H1 deadline of unit-a, frozen in the store as the
engine freezes it, with its timeline cut to one reminder a few seconds ahead.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from temporalio.worker import Worker

from boundary.types import Step
from hanchot.devstack import connect, free_port, start_temporal, stop
from store.models import OutboxMessage
from store.models import UnitDeadline as DeadlineRow
from tests.faults.conftest import wait_until
from tests.notifier.world import YEAR, World
from tests.workflows.support import WORKFLOWS, calendar_file, engine_activities
from workflows.unit_deadline import UnitDeadline

pytestmark = pytest.mark.integration

AHEAD = timedelta(seconds=15)
DOWN_SECONDS = 3.0
STEP = "remind:fault-restart"


def outbox_rows(world: World, wid: str) -> list[tuple[str, str]]:
    with world.store.read() as session:
        return [
            (step, channel.value)
            for step, channel in session.execute(
                sa.select(OutboxMessage.step, OutboxMessage.channel).where(
                    OutboxMessage.workflow_id == wid, OutboxMessage.step == STEP
                )
            ).all()
        ]


async def test_dev_server_restart_mid_cycle_timer_fires(world: World) -> None:
    started = time.monotonic()
    data = world.tmp / "temporal"
    data.mkdir()
    port, ui_port = free_port(), free_port()
    address = f"127.0.0.1:{port}"
    server = start_temporal(data, port, ui_port)
    restarted = None
    try:
        client = await connect(address, server)
        inp = world.freeze("unit-a")
        wid = inp.cycle.deadline_id("unit-a")
        paths = [calendar_file(world.tmp, YEAR)]
        queue = f"faults-{uuid.uuid4().hex[:8]}"
        async with Worker(
            client,
            task_queue=queue,
            workflows=WORKFLOWS,
            activities=engine_activities(client, world.store, paths),
        ):
            due = datetime.now(UTC).replace(microsecond=0) + AHEAD
            timeline = replace(
                inp.cycle.timeline, steps=[Step(STEP, "remind", at=due, offset_days=0)]
            )
            inp = replace(inp, cycle=replace(inp.cycle, timeline=timeline))
            handle = await client.start_workflow(UnitDeadline.run, inp, id=wid, task_queue=queue)

            def opened() -> bool:
                query = sa.select(DeadlineRow.id).where(DeadlineRow.workflow_id == wid)
                with world.store.read() as session:
                    return session.scalar(query) is not None

            await wait_until(opened, "the deadline opened in the store", timeout=20)
            stop(server)  # SIGTERM, as `hanchot dev` stops it; the timer is pending
            stopped_at = time.monotonic()
            assert server.returncode is not None
            assert datetime.now(UTC) < due, "the server went down after the timer was due"
            time.sleep(DOWN_SECONDS)
            restarted = start_temporal(data, port, ui_port)
            await connect(address, restarted)  # up again on the same state file
            down_for = time.monotonic() - stopped_at

            await wait_until(
                lambda: bool(outbox_rows(world, wid)), "the reminder in the outbox", timeout=40
            )
            fired_late = (datetime.now(UTC) - due).total_seconds()

            async def reminded() -> bool:
                return (await handle.query(UnitDeadline.state)).reminders_sent == 1

            await wait_until(reminded, "the workflow to count its reminder", timeout=20)
            state = await handle.query(UnitDeadline.state)
            description = await handle.describe()
            await handle.terminate("fault test over")
        rows = outbox_rows(world, wid)
        elapsed = time.monotonic() - started
        print(
            f"\n[Temporal restart] server down {down_for:.1f}s before the timer "
            f"(due {AHEAD.total_seconds():.0f}s after start) | reminder queued "
            f"{fired_late:.1f}s after due; outbox rows {rows}; workflow "
            f"{description.status.name if description.status else '?'} with "
            f"reminders_sent={state.reminders_sent}, status={state.status} | {elapsed:.1f}s"
        )
        assert rows and all(step == STEP for step, _ in rows)
        assert len(rows) == len({channel for _, channel in rows})  # once per channel
        assert state.reminders_sent == 1
    finally:
        stop(server)
        if restarted is not None:
            stop(restarted)
