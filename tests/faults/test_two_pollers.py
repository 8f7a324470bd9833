"""Two `hanchot notify` processes on one PostgreSQL store and one (real Dovecot) mailbox
(issue 20): before, both polled it and did the full work for most replies (44 of 54
handled twice, a second `submit` sent, the polls' "applied" counts wrong). Now only the
holder of the `mailbox` lease polls: every reply is read once, and the counts the two
processes log add up to what the store recorded. Then the holder is killed (kill -9,
between polls): the other takes the mailbox once the lease has run out and reads the
replies that came since.

Bounds are liveness bounds, generous enough not to be flaky; the figures are printed.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from activities.deadlines import DeadlineActivities
from activities.planning import PlanningActivities
from store.enums import InboundOutcome
from store.models import InboundMessage, Lease
from tests.fakes.imap import Imap, dovecot
from tests.faults.conftest import CountingSMTP, NotifyProcess, notify_env, wait_until
from tests.notifier.test_mailbox import tagged
from tests.notifier.test_reply_parse import raw
from tests.notifier.world import World
from tests.workflows.support import dev_server, run_timeout, worker
from workflows.unit_deadline import UnitDeadline as UnitDeadlineWorkflow

pytestmark = pytest.mark.integration

TIME_BOUND = 240
REPLIES = 24
"""Per phase: before the kill and after it."""
LEASE = 6
POLL = 5
POLL_LINE = re.compile(r"mailbox: PollResult\(read=(\d+), applied=(\d+), quarantined=(\d+)")


@pytest.fixture
def imap() -> Iterator[Imap]:
    with dovecot() as server:
        yield server


def replies(world: World, phase: str) -> list[bytes]:
    """A quarter from unit A's focal point, the rest from strangers (kept aside)."""
    out = []
    for i in range(REPLIES):
        sender = "Trần Văn A <a@thu.example>" if i % 4 == 0 else f"Người lạ <la{i}@ngoai.example>"
        out.append(
            raw(subject=tagged(world), sender=sender, message_id=f"<{phase}-{i}@thu.example>")
        )
    return out


def handled(world: World) -> Counter[str]:
    with world.store.read() as session:
        rows = session.execute(sa.select(InboundMessage.raw_ref, InboundMessage.outcome)).all()
    return Counter(outcome.value for _, outcome in rows) + Counter(
        {"refs": len({ref for ref, _ in rows}), "rows": len(rows)}
    )


def holder(world: World) -> str | None:
    with world.store.read() as session:
        lease = session.get(Lease, "mailbox")
        return None if lease is None else lease.holder


def logged(log: Path) -> Counter[str]:
    """What one process said its polls did."""
    counts: Counter[str] = Counter()
    for read, applied, quarantined in POLL_LINE.findall(log.read_text(errors="replace")):
        counts.update(read=int(read), applied=int(applied), quarantined=int(quarantined))
    return counts


async def test_two_notifiers_read_each_reply_once_and_hand_the_mailbox_over(
    pg_world: World, imap: Imap, counting_smtp: CountingSMTP
) -> None:
    world = pg_world
    async with dev_server() as temporal:
        activities = [*DeadlineActivities(world.store).all(), *PlanningActivities().all()]
        async with worker(temporal.client, activities) as queue:
            inp = world.freeze("unit-a")
            await temporal.client.start_workflow(
                UnitDeadlineWorkflow.run,
                inp,
                id=inp.cycle.deadline_id("unit-a"),
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            await wait_until(lambda: world.deadline_id("unit-a") is not None, "the deadline", 30)
            env = notify_env(
                world,
                temporal.client.service_client.config.target_host,
                queue,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(counting_smtp.port),
                IMAP_HOST=imap.host,
                IMAP_PORT=str(imap.port),
                IMAP_SECURITY="none",
                IMAP_USER=imap.user,
                IMAP_PASSWORD=imap.password,
                IMAP_POLL_SECONDS=str(POLL),
                HANCHOT_JOB_LEASE_SECONDS=str(LEASE),
                HANCHOT_LOG_LEVEL="info",
            )
            notifiers = [NotifyProcess(env, world.tmp / f"notify-{i}.log") for i in (1, 2)]
            try:
                await run_phases(world, imap, notifiers)
            except AssertionError as exc:
                tails = "\n".join(n.tail(15) for n in notifiers)
                raise AssertionError(f"{exc}\n{tails}") from None
            finally:
                for n in notifiers:
                    n.stop()


async def run_phases(world: World, imap: Imap, notifiers: list[NotifyProcess]) -> None:
    await wait_until(lambda: holder(world) is not None, "a holder of the mailbox", 60)
    for message in replies(world, "truoc"):
        imap.append(message)
    await wait_until(lambda: handled(world)["rows"] == REPLIES, "the first replies", 60)
    await wait_until(lambda: sum(logged(n.log)["read"] for n in notifiers) >= REPLIES, "logs", 10)
    first = {n.pid: logged(n.log) for n in notifiers}
    held_by = holder(world)
    assert held_by is not None
    killed = next(n for n in notifiers if f":{n.pid}:" in held_by)
    survivor = next(n for n in notifiers if n is not killed)

    os.kill(killed.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    for message in replies(world, "sau"):
        imap.append(message)
    await wait_until(
        lambda: f":{survivor.pid}:" in (holder(world) or ""), "the hand-over", LEASE * 3
    )
    took = time.monotonic() - killed_at
    await wait_until(lambda: handled(world)["rows"] == 2 * REPLIES, "the later replies", 60)
    applied_after = time.monotonic() - killed_at
    await wait_until(lambda: logged(survivor.log)["read"] >= REPLIES, "the survivor's log", 10)
    after = logged(survivor.log)
    total = handled(world)
    reported = first[killed.pid] + after
    print(
        f"\nbefore the kill: {REPLIES} replies, holder read {first[killed.pid]['read']}, "
        f"other read {first[survivor.pid]['read']}; hand-over {took:.1f}s after kill -9 "
        f"(lease {LEASE}s), all {2 * REPLIES} handled {applied_after:.1f}s after it; "
        f"store: {dict(total)}; logged: {dict(reported)}"
    )
    assert first[survivor.pid]["read"] == 0  # standing by while the other held it
    assert first[killed.pid]["read"] == REPLIES
    assert total["refs"] == total["rows"] == 2 * REPLIES  # each reply recorded once
    assert reported["read"] == 2 * REPLIES  # none read twice
    assert reported["applied"] == total[InboundOutcome.APPLIED.value]
    assert reported["quarantined"] == total[InboundOutcome.QUARANTINED.value]
    assert took <= LEASE + LEASE / 3 + 3  # ran out, then the next try of the survivor
