"""PostgreSQL briefly unavailable while a deadline's reminder falls due, at the worst
instant: the worker's store activity commits, the server's answer is lost, every open
connection is cut and new ones are refused for a while (a proxy between the worker and
PostgreSQL, `tcp_proxy.TcpProxy`).

The activity cannot know its transaction happened; Temporal retries it against the
refused port, then against the restored one with the pool's stale connections. The
store activities are idempotent, so the deadline's state, its audit trail and its
outbox rows end up present exactly once: nothing lost, nothing twice.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from temporalio.worker import Worker

from activities.store_access import StoreAccess
from boundary.types import Step
from store import db
from store.models import AuditEntry, OutboxMessage
from store.models import UnitDeadline as DeadlineRow
from tests.faults.conftest import wait_until
from tests.faults.tcp_proxy import TcpProxy
from tests.notifier.world import YEAR, World
from tests.workflows.support import WORKFLOWS, calendar_file, dev_server, engine_activities
from workflows.unit_deadline import UnitDeadline

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

AHEAD = timedelta(seconds=8)
STEP = "remind:fault-pg"
RETRIES_WHILE_DOWN = 3
"""Attempts of the failed activity before the database comes back (1 s, 2 s, ... apart)."""
TIME_BOUND = 240


def outbox_rows(world: World, wid: str) -> list[tuple[str, str, int]]:
    with world.store.read() as session:
        return [
            (step, channel.value, recipient)
            for step, channel, recipient in session.execute(
                sa.select(
                    OutboxMessage.step, OutboxMessage.channel, OutboxMessage.recipient_id
                ).where(OutboxMessage.workflow_id == wid)
            ).all()
        ]


def audit(world: World, wid: str) -> list[tuple[str, int]]:
    """(event, seq) of every audit entry the deadline's events wrote."""
    with world.store.read() as session:
        return [
            (action, int(details["seq"]))
            for action, details in session.execute(
                sa.select(AuditEntry.action, AuditEntry.details).where(
                    AuditEntry.subject == f"deadline:{wid}"
                )
            ).all()
        ]


async def test_postgres_cut_after_commit_activities_retry_once_each(
    pg_world: World, pg_proxy: TcpProxy, postgres_database: str
) -> None:
    started = time.monotonic()
    world, proxy = pg_world, pg_proxy
    worker_store = StoreAccess(db.create_engine(proxy.url(postgres_database)))
    inp = world.freeze("unit-a")
    wid = inp.cycle.deadline_id("unit-a")
    paths = [calendar_file(world.tmp, YEAR)]
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    failures: list[tuple[str, int, str]] = []
    try:
        async with (
            dev_server() as env,
            Worker(
                env.client,
                task_queue=queue,
                workflows=WORKFLOWS,
                activities=engine_activities(env.client, worker_store, paths),
            ),
        ):
            due = datetime.now(UTC) + AHEAD
            timeline = replace(inp.cycle.timeline, steps=[Step(STEP, "remind", at=due)])
            inp = replace(inp, cycle=replace(inp.cycle, timeline=timeline))
            handle = await env.client.start_workflow(
                UnitDeadline.run, inp, id=wid, task_queue=queue
            )

            def opened() -> bool:
                query = sa.select(DeadlineRow.id).where(DeadlineRow.workflow_id == wid)
                with world.store.read() as session:
                    return session.scalar(query) is not None

            await wait_until(opened, "the deadline opened in the store", timeout=30)
            pooled = proxy.open_connections
            proxy.cut_after_next_commit()  # the reminder's first store write
            await wait_until(
                proxy.went_down.is_set, "the commit cut", timeout=AHEAD.total_seconds() + 30
            )
            down_at = time.monotonic()
            committed_when_cut = outbox_rows(world, wid), audit(world, wid)

            async def retrying() -> bool:
                desc = await handle.describe()
                failures[:] = [
                    (a.activity_type.name, a.attempt, a.last_failure.message)
                    for a in desc.raw_description.pending_activities
                    if a.attempt > RETRIES_WHILE_DOWN
                ]
                return bool(failures)

            await wait_until(retrying, "a store activity retrying", timeout=60, step=0.5)
            accepted_before = proxy.accepted
            proxy.restore()
            down_for = time.monotonic() - down_at

            async def reminded() -> bool:
                return (await handle.query(UnitDeadline.state)).reminders_sent == 1

            await wait_until(reminded, "the workflow to count its reminder", timeout=60)
            await wait_until(
                lambda: (
                    "reminded" in {e for e, _ in audit(world, wid)}
                    and bool(outbox_rows(world, wid))
                ),
                "the reminder's event and outbox rows in the store",
                timeout=60,
            )
            await handle.terminate("fault test over")
    finally:
        worker_store.engine.dispose()

    with world.store.read() as session:
        in_store = session.scalar(
            sa.select(DeadlineRow.reminders_sent).where(DeadlineRow.workflow_id == wid)
        )
    rows = outbox_rows(world, wid)
    events = audit(world, wid)
    elapsed = time.monotonic() - started
    print(
        f"\n[PostgreSQL cut after COMMIT] {pooled} pooled connections; commit answer lost="
        f"{proxy.commit_lost}, cut {proxy.cut_connections} open connections, port refused "
        f"{down_for:.1f}s | committed when cut: {len(committed_when_cut[0])} outbox rows, "
        f"events {committed_when_cut[1]} | retrying: {failures} | after: "
        f"{proxy.accepted - accepted_before} new connections, reminders_sent={in_store}, "
        f"events={events}, outbox rows={len(rows)} ({Counter(c for _, c, _ in rows)}) "
        f"duplicates={len(rows) - len(set(rows)) + len(events) - len(set(events))} "
        f"lost={0 if rows and in_store == 1 else 1} | {elapsed:.1f}s"
    )
    assert proxy.commit_lost and proxy.outages == 1
    assert failures  # the store activity failed while down and was retried
    # The lost commit had happened: what it wrote was there before any retry.
    assert len(committed_when_cut[1]) >= 2
    assert proxy.accepted > accepted_before  # the pool reconnected through the proxy
    assert in_store == 1
    assert rows and all(step == STEP for step, _, _ in rows)
    assert len(rows) == len(set(rows))  # one row per channel and recipient
    assert len(events) == len(set(events)) and len({seq for _, seq in events}) == len(events)
    assert [e for e, _ in sorted(events, key=lambda e: e[1])][:1] == ["opened"]
