"""Shared pieces of the fault-injection tests: a store with a burst of queued reminders
(SQLite, or PostgreSQL behind a proxy that can cut it), an SMTP server that counts by
Message-ID (and can strike a fault at the Nth message), `hanchot notify` as a real
subprocess, waiting with a time bound, and an overall time bound per test.

Everything listens on loopback. Each test prints what it counted (`pytest -s` shows it).
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from store import outbox
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.faults.tcp_proxy import TcpProxy
from tests.notifier.world import CALENDAR, World, make_world
from tests.store.conftest import postgres_database  # noqa: F401  (a fixture, used by name)
from workflows import deadline_state as ds

HANCHOT = str(Path(sys.executable).parent / "hanchot")
BURST_RECIPIENTS = ["fp-b", "fp-c", "coord", "head-a", "boss"]
"""People of the test calendar with an email address and no Telegram: one row each."""
TIME_BOUND = 300
"""Seconds a fault test may take in all, unless its module sets its own `TIME_BOUND`."""


class FaultTestTimeout(BaseException):
    """Raised in the main thread when a fault test overruns its bound (a BaseException, so
    no `except Exception` on the way swallows it)."""


@pytest.fixture(autouse=True)
def time_bound(request: pytest.FixtureRequest) -> Iterator[int]:
    """Every fault test ends within its module's `TIME_BOUND`: SIGALRM fails it; should
    that not get through, faulthandler dumps every thread and exits a minute later."""
    bound = int(getattr(request.module, "TIME_BOUND", TIME_BOUND))

    def overrun(signum: int, frame: FrameType | None) -> None:
        raise FaultTestTimeout(f"{request.node.nodeid} ran over its {bound}s bound")

    previous = signal.signal(signal.SIGALRM, overrun)
    signal.alarm(bound)
    faulthandler.dump_traceback_later(bound + 60, exit=True)
    try:
        yield bound
    finally:
        signal.alarm(0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


def queue_burst(world: World, count: int, prefix: str = "burst", kinds: int = 1) -> None:
    """`count` email reminders in the outbox, as workflows queue them (one row per step
    and recipient), in one transaction; steps named `remind:<prefix>-N`. With `kinds=2`
    reminders and escalations alternate (nothing merges)."""
    inp = world.open("unit-a")
    wid = inp.cycle.deadline_id("unit-a")
    per_step = len(BURST_RECIPIENTS)
    steps = -(-count // per_step)
    with world.store.write() as session:
        made = 0
        for i in range(steps):
            step = f"remind:{prefix}-{i:05d}"
            recipients = BURST_RECIPIENTS[: min(per_step, count - made)]
            kind = ("reminder", "escalation")[i % kinds]
            payload = ds.notification_payload(
                inp, inp.cycle.timeline, kind, step, {"to": "focal_point", "step": step}
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
    """FakeSMTP that counts Message-IDs and may strike a fault (`fault`, e.g. SIGKILL
    the notifier, cut its database) right after accepting its Nth message (`fault_at`),
    before answering 250: the worst instant for the sender. At that instant it also
    counts the SMTP connections `watch_pid` holds open to it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.fault_at: int | None = None
        self.fault: Callable[[], object] | None = None
        self.watch_pid: int | None = None
        self.fault_after: int | None = None
        """Messages received when the fault struck."""
        self.open_connections: int | None = None
        """SMTP connections `watch_pid` had open to this server when the fault struck."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if (
            self.fault_at is not None
            and self.fault is not None
            and self.fault_after is None
            and len(self.messages) >= self.fault_at
        ):
            if self.watch_pid is not None:
                self.open_connections = tcp_connections(self.watch_pid, self.port)
            self.fault()
            self.fault_after = len(self.messages)
        return answer

    def message_ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in list(self.messages))

    def ids_by_reference(self) -> dict[str, set[str]]:
        """X-Hanchot-Ref (one per outbox row) → the Message-IDs its copies carried."""
        found: dict[str, set[str]] = {}
        for m in list(self.messages):
            found.setdefault(str(m["X-Hanchot-Ref"]), set()).add(str(m["Message-ID"]))
        return found


def tcp_connections(pid: int, remote_port: int) -> int:
    """Established TCP connections process `pid` holds to 127.0.0.1:`remote_port`
    (Linux: its socket inodes in /proc/PID/fd, matched in /proc/net/tcp{,6})."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            established = state == "01"
            if established and int(remote.rsplit(":", 1)[1], 16) == remote_port:
                count += inode in inodes
    return count


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


@pytest.fixture
def pg_world(tmp_path: Path, postgres_database: str) -> Iterator[World]:  # noqa: F811
    """A world on a fresh PostgreSQL database, connected directly (not through a proxy):
    what the test itself reads and writes. Fails, not skips, under HANCHOT_REQUIRE_POSTGRES=1."""
    made = make_world(tmp_path, postgres_database)
    try:
        yield made
    finally:
        made.store.engine.dispose()


@pytest.fixture
def pg_proxy(postgres_database: str) -> Iterator[TcpProxy]:  # noqa: F811
    """A proxy in front of the PostgreSQL server of `postgres_database`."""
    url = make_url(postgres_database)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    try:
        yield proxy
    finally:
        proxy.stop()


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


def notify_env(
    world: World, temporal: str, queue: str, database_url: str | None = None, **extra: str
) -> dict[str, str]:
    """The environment of a `hanchot notify` on the world's store (or `database_url`),
    with no Telegram and no mailbox, talking to Temporal at `temporal`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMTP_", "IMAP_", "TELEGRAM_", "HANCHOT_"))
    }
    env.update(
        HANCHOT_DATA_DIR=str(world.tmp),
        HANCHOT_DATABASE_URL=database_url
        or world.store.engine.url.render_as_string(hide_password=False),
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
