"""Shared pieces of the fault-injection tests: a store with a burst of queued reminders,
an SMTP server that counts by Message-ID (and can kill a process at the Nth message),
`hanchot notify` as a real subprocess, and waiting with a time bound.

Everything listens on loopback. Each test prints what it counted (`pytest -s` shows it).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from store import outbox
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import CALENDAR, World, make_world
from workflows import deadline_state as ds

HANCHOT = str(Path(sys.executable).parent / "hanchot")
BURST_RECIPIENTS = ["fp-b", "fp-c", "coord", "head-a", "boss"]
"""People of the test calendar with an email address and no Telegram: one row each."""


def queue_burst(world: World, count: int) -> None:
    """`count` email reminders in the outbox, as workflows queue them (one row per step
    and recipient), in one transaction."""
    inp = world.open("unit-a")
    wid = inp.cycle.deadline_id("unit-a")
    per_step = len(BURST_RECIPIENTS)
    steps = -(-count // per_step)
    with world.store.write() as session:
        made = 0
        for i in range(steps):
            step = f"remind:burst-{i:05d}"
            recipients = BURST_RECIPIENTS[: min(per_step, count - made)]
            payload = ds.notification_payload(
                inp, inp.cycle.timeline, "reminder", step, {"to": "focal_point", "step": step}
            )
            made += outbox.enqueue(
                session,
                workflow_id=wid,
                calendar_key=CALENDAR,
                step=step,
                recipients=recipients,
                payload=payload,
            ).queued
    assert made == count


def statuses(world: World) -> Counter[str]:
    with world.store.read() as session:
        rows = session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(OutboxMessage.channel == Channel.EMAIL)
            .group_by(OutboxMessage.status)
        ).all()
    return Counter({status.value: n for status, n in rows})


def sent_message_ids(world: World) -> dict[int, str]:
    """Row id → the Message-ID recorded when the row was sent."""
    with world.store.read() as session:
        return dict(
            session.execute(
                sa.select(OutboxMessage.id, OutboxMessage.message_id).where(
                    OutboxMessage.status == OutboxStatus.SENT
                )
            ).all()
        )


class CountingSMTP(FakeSMTP):
    """FakeSMTP that counts Message-IDs and may SIGKILL a process right after accepting
    its Nth message, before answering 250: the worst instant for the sender."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.kill_at: int | None = None
        self.kill_pid: int | None = None
        self.killed_after: int | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if (
            self.kill_at is not None
            and self.kill_pid is not None
            and self.killed_after is None
            and len(self.messages) >= self.kill_at
        ):
            os.kill(self.kill_pid, signal.SIGKILL)
            self.killed_after = len(self.messages)
        return answer

    def message_ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in list(self.messages))


@pytest.fixture
def counting_smtp() -> Iterator[CountingSMTP]:
    server = CountingSMTP().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = make_world(tmp_path)
    try:
        yield made
    finally:
        made.store.engine.dispose()


class NotifyProcess:
    """`hanchot notify` in its own session, output to a log file in the data dir."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [HANCHOT, "notify"],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def notify_env(world: World, temporal: str, queue: str, **extra: str) -> dict[str, str]:
    """The environment of a `hanchot notify` on the world's store, with no Telegram and
    no mailbox, talking to Temporal at `temporal`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMTP_", "IMAP_", "TELEGRAM_", "HANCHOT_"))
    }
    env.update(
        HANCHOT_DATA_DIR=str(world.tmp),
        HANCHOT_DATABASE_URL=str(world.store.engine.url),
        HANCHOT_SECRET=str(world.settings.secret),
        HANCHOT_PUBLIC_URL=world.settings.public_url,
        HANCHOT_TEMPORAL_ADDRESS=temporal,
        HANCHOT_TASK_QUEUE=queue,
        SMTP_FROM=world.settings.smtp.sender,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


async def wait_until(
    check: Callable[[], Awaitable[bool] | bool], what: str, timeout: float, step: float = 0.2
) -> float:
    """Poll `check` until true or fail after `timeout` seconds; returns the time taken."""
    start = time.monotonic()
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(step)


class OutageSMTP(CountingSMTP):
    """CountingSMTP that goes down on request: the message in progress is answered
    421 (not kept), then the port refuses connections until `up()`, same port."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.down_at: int | None = None
        self.went_down = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.down_at is not None and len(self.messages) >= self.down_at:
            if not self.went_down.is_set():
                self.went_down.set()
                threading.Thread(target=self.stop, daemon=True).start()
            return "421 4.3.2 Service shutting down"
        return await super().handle_DATA(server, session, envelope)

    def up(self) -> None:
        self.down_at = None
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()


def age_failed_rows(world: World) -> set[int]:
    """Move every transiently failed row's last attempt back past its backoff: what the
    clock would do over 30 s to a few minutes (the sweep's backoff, `retry_backoff`)."""
    from datetime import timedelta

    from notifier.delivery import retry_backoff
    from store.base import utcnow

    with world.store.write() as session:
        rows = session.execute(
            sa.select(OutboxMessage.id, OutboxMessage.attempts).where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.last_error.is_not(None),
            )
        ).all()
        now = utcnow()
        for row_id, attempts in rows:
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(updated_at=now - retry_backoff(attempts) - timedelta(seconds=1))
            )
    return {row_id for row_id, _ in rows}


class TimedTelegram(FakeTelegram):
    """FakeTelegram that keeps when each sendMessage was answered and how."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.answers_log: list[tuple[float, int, int | None]] = []
        """(monotonic time, HTTP status, retry_after) of every sendMessage."""

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = super().handle(method, params)
        if method == "sendMessage":
            retry_after = (body.get("parameters") or {}).get("retry_after")
            self.answers_log.append((time.monotonic(), status, retry_after))
        return status, body

    def early_calls(self, slack: float = 0.05) -> list[tuple[float, float]]:
        """Sends that came before a 429's `retry_after` had passed: (seconds after the
        429, its retry_after)."""
        early = []
        holds = [(t, ra) for t, status, ra in self.answers_log if status == 429 and ra]
        for t, _, _ in self.answers_log:
            for held_at, retry_after in holds:
                if held_at < t < held_at + retry_after - slack:
                    early.append((t - held_at, float(retry_after)))
        return early
