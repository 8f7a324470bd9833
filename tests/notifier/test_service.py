"""The notifier process: the embedded default, the sweep, link emails, and the delivery
activity as Temporal runs it (retry delays, non-retryable permanent errors)."""

from __future__ import annotations

import logging
import mailbox
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from activities.delivery import DeliveryActivities
from activities.delivery_contract import (
    DELIVER_NOTIFICATION,
    RETRY_POLICY,
    DeliverInput,
    DeliveryResult,
    delivery_queue,
)
from hanchot.notify import run_notifier
from notifier.delivery import Deliverer
from notifier.linking import issue_link
from notifier.service import notifier_service, sweep
from notifier.settings import SmtpSettings
from store import channels
from store.enums import Channel, OutboxStatus
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.engine import bot_app, feed
from tests.notifier.world import World
from tests.workflows.support import time_skipping


async def test_without_credentials_mail_is_kept_visible_and_telegram_waits(world: World) -> None:
    settings = replace(
        world.settings, smtp=SmtpSettings(), telegram=replace(world.settings.telegram, token="")
    )
    world.link_telegram("fp-a", "1001")
    wid, step = world.queue()
    async with notifier_service(None, world.store, settings) as running:  # type: ignore[arg-type]
        outcomes = await running.deliverer.deliver_step(wid, step)
        maildir = running.mail_server.maildir if running.mail_server else None
    assert sorted(o.status for o in outcomes) == ["held", "sent"]
    assert maildir == world.tmp / "mail"
    [kept] = list(mailbox.Maildir(maildir, create=False))
    assert kept["To"] == "a@thu.example" and "[HC-" in kept["Subject"]
    assert world.row(wid, step, Channel.TELEGRAM).status is OutboxStatus.PENDING


async def test_the_sweep_sends_notices_and_leaves_workflow_rows_to_their_workflow(
    world: World, deliverer: Deliverer, smtp: FakeSMTP
) -> None:
    smtp.bad_addresses.add("a@thu.example")
    wid, step = world.queue()
    await deliverer.deliver_step(wid, step, channel="email")  # disabled: a notice is queued
    fresh_wid, fresh_step = world.queue(unit="unit-b", step="remind:-1d")
    sent = await sweep(deliverer, grace=timedelta(hours=1))
    assert sent == 1
    [notice] = smtp.to("coord@thu.example")
    assert "Không gửi được nhắc hạn cho Trần Văn A qua email" in notice["Subject"]
    assert world.row(fresh_wid, fresh_step, Channel.EMAIL).status is OutboxStatus.PENDING
    assert await sweep(deliverer, grace=timedelta(0)) == 1  # a forgotten row, past its grace
    assert world.row(fresh_wid, fresh_step, Channel.EMAIL).status is OutboxStatus.SENT


async def test_link_emails_a_t_me_link_whose_code_binds_the_chat(
    world: World, smtp: FakeSMTP, telegram: FakeTelegram
) -> None:
    issued = await issue_link(world.store, world.settings, "fp-b", "test", timedelta(hours=1))
    assert issued.sent and issued.email == "b@thu.example"
    [mail] = smtp.to("b@thu.example")
    body = mail.get_body(("plain",)).get_content()
    url = f"https://t.me/{telegram.username}?start="
    assert url in body and issued.url in body
    code = issued.url.split("start=")[1]
    async with bot_app(world, None) as (_, app):
        await feed(app, telegram.message(5005, f"/start {code}"))
    with world.store.read() as session:
        assert channels.route(session, world.person("fp-b"), Channel.TELEGRAM).address == "5005"


async def test_the_activity_raises_what_temporal_needs(
    world: World, deliverer: Deliverer, smtp: FakeSMTP, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", "1001")
    activity = DeliveryActivities(deliverer).deliver_notification
    env = ActivityEnvironment()

    wid, step = world.queue()
    telegram.fail("429", retry_after=7)
    with pytest.raises(ApplicationError) as transient:
        await env.run(activity, DeliverInput(wid, step))
    assert not transient.value.non_retryable
    assert transient.value.next_retry_delay == timedelta(seconds=7)
    assert len(smtp.messages) == 1  # the email went; only Telegram waits

    wid2, step2 = world.queue(step="remind:-1d")
    smtp.bad_addresses.add("a@thu.example")
    telegram.blocked.add("1001")
    deliverer.registry.get(Channel.TELEGRAM).pacer.hold(0)  # type: ignore[attr-defined]
    with pytest.raises(ApplicationError) as permanent:
        await env.run(activity, DeliverInput(wid2, step2))
    assert permanent.value.non_retryable and permanent.value.type == "PermanentDeliveryError"
    rows = world.rows(workflow_id=wid2, step=step2)
    assert {r.status for r in rows} == {OutboxStatus.DISABLED}


@workflow.defn(sandboxed=False)
class Notifying:
    """Calls the delivery activity exactly as the UnitDeadline workflow should."""

    @workflow.run
    async def run(self, inp: DeliverInput) -> DeliveryResult:
        return await workflow.execute_activity(
            DELIVER_NOTIFICATION,
            inp,
            task_queue=delivery_queue(workflow.info().task_queue),
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RETRY_POLICY,
            result_type=DeliveryResult,
        )


async def test_workflows_reach_the_notifier_on_its_own_queue_and_retries_recover(
    world: World, smtp: FakeSMTP, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", "1001")
    wid, step = world.queue()
    smtp.fail("4xx")
    async with time_skipping() as env:
        queue = f"test-{uuid.uuid4().hex[:8]}"
        async with (
            run_notifier(env.client, world.store, world.settings, queue),
            Worker(env.client, task_queue=queue, workflows=[Notifying]),
        ):
            result = await env.client.execute_workflow(
                Notifying.run,
                DeliverInput(wid, step),
                id=f"n-{queue}",
                task_queue=queue,
                execution_timeout=timedelta(hours=2),
            )
            smtp.bad_addresses.add("a@thu.example")
            wid2, step2 = world.queue(step="remind:-1d")
            with pytest.raises(WorkflowFailureError) as failed:
                await env.client.execute_workflow(
                    Notifying.run,
                    DeliverInput(wid2, step2, channel="email"),
                    id=f"p-{queue}",
                    task_queue=queue,
                    execution_timeout=timedelta(hours=2),
                )
    assert (result.sent, result.already, result.failed) == (1, 1, 0)  # Telegram went first
    assert len(smtp.to("a@thu.example")) == 1 and len(telegram.texts("1001")) == 1
    cause = failed.value.cause
    assert isinstance(cause, ActivityError) and isinstance(cause.cause, ApplicationError)
    assert cause.cause.non_retryable
    assert world.row(wid2, step2, Channel.EMAIL).attempts == 1


def test_a_sweep_failing_for_minutes_logs_once_a_minute_and_says_when_it_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """During a database outage the sweep fails every few seconds: the log gets the first
    traceback, then one summary line a minute, then one line on recovery."""
    from notifier.service import FailureLog

    now = [1000.0]
    failures = FailureLog("outbox sweep", every=60, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="notifier.service")
    for _ in range(60):  # five minutes of a sweep every 5 s
        try:
            raise OSError("connection refused\nSQL: SELECT secret")
        except OSError as exc:
            failures.failed(exc)
        now[0] += 5
    failures.succeeded()
    failures.succeeded()  # a second success says nothing more
    lines = [r for r in caplog.records if r.name == "notifier.service"]
    assert len(lines) == 1 + 4 + 1, [r.getMessage() for r in lines]
    assert lines[0].exc_info is not None
    assert all(r.exc_info is None for r in lines[1:])
    assert "still failing: 13 failures in 60s, latest: OSError: connection refused" in (
        lines[1].getMessage()
    )
    assert all("SQL" not in r.getMessage() for r in lines[1:])
    assert lines[-1].getMessage() == "outbox sweep works again after 60 failures in 300s"


def test_skipped_sweep_runs_are_not_logged_but_other_jobs_are() -> None:
    from types import SimpleNamespace

    from notifier.service import SWEEP_JOB, _SkippedRunFilter

    def record(job_id: str) -> logging.LogRecord:
        job = SimpleNamespace(id=job_id)
        return logging.LogRecord(
            "apscheduler.scheduler",
            logging.WARNING,
            __file__,
            1,
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            (job, 1),
            None,
        )

    assert not _SkippedRunFilter().filter(record(SWEEP_JOB))
    assert _SkippedRunFilter().filter(record("mailbox-poll"))
