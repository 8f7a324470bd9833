"""`hanchot notify` as a real process on the Temporal dev server, with its two metrics
endpoints and JSON logs: the relay sends reminders to a real SMTP server that refuses one
for a while (4xx) and one for good (5xx); the counts, the backlog, the Temporal SDK's
series and the log lines are read from outside, as Prometheus and a log shipper would."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from notifier.delivery import retry_backoff
from notifier.email.local import free_port
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import World, make_world
from tests.ops.test_metrics import Samples, scrape, value
from tests.workflows.support import dev_server

pytestmark = pytest.mark.integration

HANCHOT = str(Path(sys.executable).parent / "hanchot")
BOUND_S = 60
"""How long the process may take to do what is checked (seconds; each step takes ~1-3)."""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = make_world(tmp_path)
    try:
        yield made
    finally:
        made.store.engine.dispose()


@pytest.fixture
def smtp() -> Iterator[FakeSMTP]:
    server = FakeSMTP().start()
    try:
        yield server
    finally:
        server.stop()


async def until(check: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND_S
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"gave up after {BOUND_S}s waiting for {what}")
        await asyncio.sleep(0.2)


def scraped(url: str) -> Samples:
    try:
        return scrape(url)
    except OSError:  # not listening yet
        return {}


def sent(url: str, outcome: str) -> float:
    name = "hanchot_notifications_total"
    return value(scraped(url), name, channel="email", kind="reminder", outcome=outcome)


def backoff_over(world: World) -> None:
    """Move the transiently failed row's last attempt back past its backoff."""
    with world.store.write() as session:
        for row_id, attempts in session.execute(
            sa.select(OutboxMessage.id, OutboxMessage.attempts).where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.last_error.is_not(None),
            )
        ).all():
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(updated_at=utcnow() - retry_backoff(attempts) - timedelta(seconds=1))
            )


@contextmanager
def process(args: list[str], env: dict[str, str], out: Path, err: Path) -> Iterator[None]:
    """`hanchot ARGS` in its own session, stdout and stderr to files, stopped by Ctrl-C."""
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [HANCHOT, *args],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            yield
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def environment(world: World, temporal: str, **extra: str) -> dict[str, str]:
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
        SMTP_FROM=world.settings.smtp.sender,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


async def test_notify_serves_its_counts_the_sdk_metrics_and_json_logs(
    world: World, smtp: FakeSMTP
) -> None:
    wid, first = world.queue(step="remind:-7d")
    steps = [first, world.queue(step="remind:-3d")[1], world.queue(step="remind:-1d")[1]]
    smtp.fail("4xx")  # the first reminder: try later
    smtp.fail("5xx")  # the second: refused for good
    ours, sdk = free_port(), free_port()
    queue = f"ops-{uuid.uuid4().hex[:8]}"
    out, err = world.tmp / "notify.out", world.tmp / "notify.err"
    async with dev_server() as temporal:
        env = environment(
            world,
            temporal.client.service_client.config.target_host,
            HANCHOT_TASK_QUEUE=queue,
            HANCHOT_METRICS_ADDRESS=f"127.0.0.1:{ours}",
            HANCHOT_TEMPORAL_METRICS_ADDRESS=f"127.0.0.1:{sdk}",
            HANCHOT_LOG_FORMAT="json",
            HANCHOT_SWEEP_SECONDS="1",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp.port),
            SMTP_SECURITY="none",
        )
        with process(["notify"], env, out, err):
            url = f"http://127.0.0.1:{ours}/metrics"
            await until(
                lambda: (sent(url, "sent"), sent(url, "retry"), sent(url, "failed")) == (1, 1, 1),
                "one reminder sent, one to retry, one refused",
            )
            backoff_over(world)
            await until(lambda: sent(url, "sent") == 2, "the retried reminder sent")
            samples = scrape(url)
            sdk_body = await asyncio.to_thread(_get, f"http://127.0.0.1:{sdk}/metrics")

    assert value(samples, "hanchot_store_up") == 1
    assert value(samples, "hanchot_outbox_pending", channel="email") == 0
    # No Telegram token here: fp-a's Telegram rows wait in the outbox.
    assert value(samples, "hanchot_outbox_pending", channel="telegram") == 3
    assert value(samples, "hanchot_send_seconds_count", channel="email") == 4
    assert len(smtp.messages) == 2

    sdk_series = [line for line in sdk_body.splitlines() if line.startswith("temporal_")]
    assert sdk_series, sdk_body[:500]
    assert any(f'task_queue="{queue}.notify"' in line for line in sdk_series)

    logs = [json.loads(line) for line in err.read_text(encoding="utf-8").splitlines()]
    assert logs and all({"ts", "level", "logger", "message"} <= set(x) for x in logs)
    deliveries = [x for x in logs if x["logger"] == "notifier.delivery"]
    by_step = {(x["step"], x["outcome"]): x for x in deliveries}
    assert set(by_step) == {
        (steps[0], "retry"),
        (steps[1], "failed"),
        (steps[2], "sent"),
        (steps[0], "sent"),
    }
    row = world.row(wid, steps[2], Channel.EMAIL)
    line: dict[str, Any] = by_step[(steps[2], "sent")]
    assert (line["workflow_id"], line["channel"], line["outbox_id"]) == (wid, "email", row.id)
    assert line["message_id"] == row.message_id
    assert by_step[(steps[1], "failed")]["level"] == "warning"
    assert str(world.settings.secret) not in err.read_text(encoding="utf-8")


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())


async def test_the_bot_counts_a_forged_button_and_masks_its_token_in_debug_json(
    world: World,
) -> None:
    telegram = FakeTelegram().start()
    ours = free_port()
    out, err = world.tmp / "bot.out", world.tmp / "bot.err"
    try:
        async with dev_server() as temporal:
            env = environment(
                world,
                temporal.client.service_client.config.target_host,
                TELEGRAM_BOT_TOKEN=telegram.token,
                TELEGRAM_API_BASE_URL=telegram.base,
                HANCHOT_METRICS_ADDRESS=f"127.0.0.1:{ours}",
                HANCHOT_LOG_FORMAT="json",
                HANCHOT_LOG_LEVEL="debug",  # httpx then logs every Bot API URL, token inside
            )
            url = f"http://127.0.0.1:{ours}/metrics"
            with process(["bot"], env, out, err):
                await until(lambda: bool(scraped(url)), "the bot's metrics endpoint")
                telegram.push(telegram.callback(4004, "s:1:AAAAAAAA"))
                await until(
                    lambda: (
                        value(
                            scraped(url),
                            "hanchot_inbound_replies_total",
                            channel="telegram",
                            outcome="refused",
                            reason="forged",
                        )
                        == 1
                    ),
                    "the forged button counted",
                )
                await until(lambda: bool(telegram.answers), "the bot's answer")
    finally:
        telegram.stop()

    assert "không hợp lệ" in telegram.answers[0].get("text", "")
    text = err.read_text(encoding="utf-8")
    logs = [json.loads(line) for line in text.splitlines()]
    requests = [x for x in logs if x["logger"].startswith("httpx")]
    assert requests and all("/bot***/" in x["message"] for x in requests)
    assert telegram.token not in text and str(world.settings.secret) not in text
