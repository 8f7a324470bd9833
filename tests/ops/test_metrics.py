"""The Prometheus endpoint of `hanchot.metrics`, scraped over HTTP on loopback while real
messages go through the notifier to a real SMTP server and the fake Bot API, replies are
handled against a real UnitDeadline workflow, and the store holds known rows."""

# ruff: noqa: F811  (the notifier tests' fixtures are imported by name and used as arguments)

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import WorkflowEnvironment

from activities.contracts import RECORD_DEADLINE_EVENT
from activities.deadlines import DeadlineActivities
from activities.planning import PlanningActivities
from hanchot import binaries
from hanchot.metrics import MetricsServer, serve, temporal_runtime
from notifier import tokens
from notifier.delivery import Deliverer
from notifier.email.local import free_port
from notifier.inbound import Engine
from notifier.mailbox.apply import ReplyHandler
from notifier.mailbox.parse import parse
from notifier.telegram.keyboard import Action, encode
from store import deadlines_repo
from store.base import utcnow
from store.enums import Channel
from store.evidence import EvidenceStore
from store.models import OutboxMessage, UnitDeadline
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.conftest import (  # noqa: F401  (fixtures, used by name)
    BACKENDS,
    deliverer,
    postgres_database,
    registry,
    smtp,
    telegram,
    world,
)
from tests.notifier.engine import bot_app, feed, running
from tests.notifier.test_reply_parse import raw
from tests.notifier.world import CALENDAR, World
from tests.workflows.support import run_timeout, until, worker
from workflows.unit_deadline import UnitDeadline as UnitDeadlineWorkflow

CHAT = "1001"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    """Every sample the endpoint serves, parsed as Prometheus parses it."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.status == 200
        body = answer.read().decode()
    out: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def endpoint(world: World) -> Iterator[MetricsServer]:
    server = serve("127.0.0.1:0", world.store)
    assert server is not None
    try:
        yield server
    finally:
        server.close()


async def test_deliveries_are_counted_by_channel_kind_and_outcome(
    world: World,
    deliverer: Deliverer,
    smtp: FakeSMTP,
    telegram: FakeTelegram,
    endpoint: MetricsServer,
) -> None:
    world.link_telegram("fp-a", CHAT)
    before = scrape(endpoint.url)

    wid, first = world.queue(step="remind:-7d")
    assert [o.status for o in await deliverer.deliver_step(wid, first)] == ["sent", "sent"]
    smtp.fail("4xx")
    _, second = world.queue(step="remind:-3d")
    assert [o.status for o in await deliverer.deliver_step(wid, second, "email")] == ["retry"]
    smtp.fail("5xx")
    _, third = world.queue(step="remind:-1d")
    assert [o.status for o in await deliverer.deliver_step(wid, third, "email")] == ["failed"]
    telegram.fail("blocked", chat_id=CHAT)
    assert [o.status for o in await deliverer.deliver_step(wid, third, "telegram")] == ["disabled"]
    assert [o.status for o in await deliverer.deliver_step(wid, second, "telegram")] == ["skipped"]

    after = scrape(endpoint.url)
    counted = {
        (channel, outcome): delta(
            before,
            after,
            "hanchot_notifications_total",
            channel=channel,
            kind="reminder",
            outcome=outcome,
        )
        for channel in ("email", "telegram")
        for outcome in ("sent", "retry", "failed", "disabled", "skipped")
    }
    assert {k: v for k, v in counted.items() if v} == {
        ("email", "sent"): 1,
        ("email", "retry"): 1,
        ("email", "failed"): 1,
        ("telegram", "sent"): 1,
        ("telegram", "disabled"): 1,
        ("telegram", "skipped"): 1,
    }
    assert len(smtp.messages) == 1 and len(telegram.sent) == 1
    # Every transport send is timed, whatever its outcome; a skipped row is never sent.
    assert delta(before, after, "hanchot_send_seconds_count", channel="email") == 3
    assert delta(before, after, "hanchot_send_seconds_count", channel="telegram") == 2
    assert delta(before, after, "hanchot_send_seconds_sum", channel="email") > 0


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_outbox_backlog_and_its_oldest_row_are_read_from_the_store(
    world: World, deliverer: Deliverer, endpoint: MetricsServer
) -> None:
    empty = scrape(endpoint.url)
    assert value(empty, "hanchot_store_up") == 1
    assert value(empty, "hanchot_outbox_pending", channel="email") == 0
    assert value(empty, "hanchot_outbox_oldest_pending_seconds", channel="email") == 0

    wid, step = world.queue(recipients=["fp-a", "fp-b", "coord"])
    email_rows = [r.id for r in world.rows(workflow_id=wid) if r.channel is Channel.EMAIL]
    with world.store.write() as session:  # the first row has waited two hours
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == email_rows[0])
            .values(created_at=utcnow() - timedelta(hours=2))
        )
    queued = scrape(endpoint.url)
    assert value(queued, "hanchot_outbox_pending", channel="email") == len(email_rows) == 3
    oldest = value(queued, "hanchot_outbox_oldest_pending_seconds", channel="email")
    assert 7200 <= oldest < 7200 + 600

    await deliverer.deliver_step(wid, step, channel="email")
    sent = scrape(endpoint.url)
    assert value(sent, "hanchot_outbox_pending", channel="email") == 0
    assert value(sent, "hanchot_outbox_oldest_pending_seconds", channel="email") == 0


def _set_status(world: World, unit: str, status: str, seq: int) -> None:
    """The deadline's state as the workflow records it (the store activity's row)."""
    inp = world.inputs[unit]
    timeline = inp.cycle.timeline
    with world.store.write() as session:
        deadlines_repo.apply_event(
            session,
            deadlines_repo.DeadlineRow(
                workflow_id=inp.cycle.deadline_id(unit),
                cycle_workflow_id=inp.cycle.cycle_id,
                calendar_key=CALENDAR,
                unit_key=unit,
                seq=seq,
                status=status,
                legal_end_at=timeline.legal_end_at,
                due_at=timeline.legal_end_at,
                reminders_sent=4,
                event=status,
                at=timeline.legal_end_at + timedelta(days=seq),
                by="system",
                details={},
            ),
        )


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_overdue_deadlines_per_calendar_are_the_stores(
    world: World, endpoint: MetricsServer
) -> None:
    for unit in ("unit-a", "unit-b"):
        world.open(unit)
    assert value(scrape(endpoint.url), "hanchot_overdue_deadlines", calendar=CALENDAR) == 0

    _set_status(world, "unit-a", "overdue", 2)
    _set_status(world, "unit-b", "overdue", 2)
    assert value(scrape(endpoint.url), "hanchot_overdue_deadlines", calendar=CALENDAR) == 2

    _set_status(world, "unit-a", "submitted_late", 3)
    assert value(scrape(endpoint.url), "hanchot_overdue_deadlines", calendar=CALENDAR) == 1


async def test_inbound_replies_are_counted_by_channel_outcome_and_reason(
    world: World, telegram: FakeTelegram, endpoint: MetricsServer
) -> None:
    world.link_telegram("fp-a", CHAT)
    before = scrape(endpoint.url)
    async with running(world) as engine:
        wid = world.inputs["unit-a"].cycle.deadline_id("unit-a")
        tag = tokens.subject_tag(world.settings.secret, wid)
        handler = ReplyHandler(
            world.store, Engine(engine.client), EvidenceStore(world.tmp), world.settings.secret
        )
        for message in (
            raw(subject=f"Re: Nhắc hạn nộp {tag}", message_id="<applied@x>"),
            raw(subject="Re: báo cáo", message_id="<no-token@x>"),
            raw(subject=f"Re: {tag}", sender="ke.la@gmail.example", message_id="<stranger@x>"),
        ):
            await handler.handle(message, parse(message))
        async with bot_app(world, engine.client) as (_, app):
            forged = encode(world.settings.secret, Action.SUBMIT, world.deadline_id())[:-2]
            await feed(app, telegram.callback(int(CHAT), forged + "xx"))
        state = await engine.state()
    assert state.submission is not None and state.submission.channel == "email"

    after = scrape(endpoint.url)
    name = "hanchot_inbound_replies_total"
    assert delta(before, after, name, channel="email", outcome="applied", reason="") == 1
    assert (
        delta(before, after, name, channel="email", outcome="quarantined", reason="no_token") == 1
    )
    assert (
        delta(before, after, name, channel="email", outcome="quarantined", reason="not_focal_point")
        == 1
    )
    assert delta(before, after, name, channel="telegram", outcome="refused", reason="forged") == 1


async def test_the_temporal_sdk_serves_the_workers_series_on_its_own_address(
    world: World,
) -> None:
    port = free_port()
    runtime = temporal_runtime(f"127.0.0.1:{port}")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binaries.test_server(), runtime=runtime
    )
    try:
        activities = [*DeadlineActivities(world.store).all(), *PlanningActivities().all()]
        async with worker(env.client, activities) as queue:
            inp = world.freeze("unit-a")
            await env.client.start_workflow(
                UnitDeadlineWorkflow.run,
                inp,
                id=inp.cycle.deadline_id("unit-a"),
                task_queue=queue,
                execution_timeout=run_timeout(),
            )

            async def mirrored() -> bool:
                with world.store.read() as session:
                    return session.query(UnitDeadline).count() == 1

            await until(mirrored, "the deadline recorded by its activity")
            body = await asyncio.to_thread(_body, f"http://127.0.0.1:{port}/metrics")
    finally:
        await env.shutdown()

    ours = [line for line in body.splitlines() if f'task_queue="{queue}"' in line]
    assert ours and all(line.startswith("temporal_") for line in ours)
    assert any(
        line.startswith("temporal_activity_execution_latency")
        and f'activity_type="{RECORD_DEADLINE_EVENT}"' in line
        for line in ours
    )
    assert any(
        line.startswith("temporal_workflow_task") and 'workflow_type="UnitDeadline"' in line
        for line in ours
    )


def _body(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())


def test_a_scrape_while_the_store_is_unreachable_says_so_and_still_answers(
    tmp_path: Path,
) -> None:
    from activities.store_access import StoreAccess
    from store import db

    gone = StoreAccess(db.create_engine(f"sqlite:///{tmp_path / 'missing' / 'hanchot.db'}"))
    server = serve("127.0.0.1:0", gone)
    assert server is not None
    try:
        samples = scrape(server.url)
    finally:
        server.close()
        gone.engine.dispose()
    assert value(samples, "hanchot_store_up") == 0
    assert not any(name.startswith("hanchot_outbox") for name, _ in samples)
