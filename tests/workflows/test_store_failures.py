"""Store errors reach Temporal short, retryable and without the statement's parameters
(activities.failures.StoreErrors), on the time-skipping server with a real SQLite error."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from activities.failures import MAX_MESSAGE, StoreErrors, summary
from tests.workflows.support import time_skipping

SECRET_PARAM = "nguyen.van.a@phuong1.example"


@dataclass
class FlakyInput:
    database: str
    fail_times: int


@dataclass
class Outcome:
    ok: bool
    error_type: str = ""
    message: str = ""
    non_retryable: bool = False


class Flaky:
    """Fails `fail_times` with a real SQLAlchemy error carrying a large bulk statement."""

    def __init__(self) -> None:
        self.calls = 0

    @activity.defn(name="flaky_store_write")
    async def write(self, inp: FlakyInput) -> int:
        self.calls += 1
        engine = sa.create_engine(inp.database)
        table = "no_such_table" if self.calls <= inp.fail_times else "sqlite_master"
        with engine.connect() as conn:
            if table == "sqlite_master":
                return int(conn.execute(sa.text("SELECT count(*) FROM sqlite_master")).scalar())
            rows = [{"email": SECRET_PARAM, "note": "x" * 2000} for _ in range(300)]
            conn.execute(sa.text(f"INSERT INTO {table} VALUES (:email, :note)"), rows)
        return -1


@workflow.defn(sandboxed=False)
class WritesOnce:
    @workflow.run
    async def run(self, inp: FlakyInput) -> Outcome:
        attempts = 1 if inp.fail_times > 5 else 10
        try:
            await workflow.execute_activity(
                "flaky_store_write",
                inp,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(
                    maximum_attempts=attempts, initial_interval=timedelta(milliseconds=50)
                ),
            )
        except ActivityError as err:
            cause = err.cause
            assert isinstance(cause, ApplicationError)
            return Outcome(False, cause.type or "", cause.message, cause.non_retryable)
        return Outcome(True)


async def _run(tmp_path: Path, fail_times: int) -> tuple[Outcome, int]:
    flaky = Flaky()
    database = f"sqlite:///{tmp_path / 'store.db'}"
    async with time_skipping() as env:
        queue = f"test-{uuid.uuid4().hex[:8]}"
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[WritesOnce],
            activities=[flaky.write],
            interceptors=[StoreErrors()],
        ):
            outcome = await env.client.execute_workflow(
                WritesOnce.run,
                FlakyInput(database, fail_times),
                id=f"store-failure-{uuid.uuid4().hex[:8]}",
                task_queue=queue,
            )
    return outcome, flaky.calls


async def test_failure_is_short_and_carries_no_parameters(tmp_path: Path) -> None:
    outcome, calls = await _run(tmp_path, fail_times=99)
    assert calls == 1
    assert not outcome.ok
    assert outcome.error_type == "OperationalError"
    assert outcome.message == "OperationalError: no such table: no_such_table"
    assert SECRET_PARAM not in outcome.message
    assert not outcome.non_retryable


async def test_store_error_is_retried_until_it_succeeds(tmp_path: Path) -> None:
    outcome, calls = await _run(tmp_path, fail_times=2)
    assert outcome.ok
    assert calls == 3


def test_summary_keeps_the_database_message_only() -> None:
    orig = Exception("database is locked\nmore detail")
    exc = OperationalError("INSERT INTO x VALUES (?)", [(SECRET_PARAM,)], orig)
    assert summary(exc) == "OperationalError: database is locked"
    long = OperationalError("SELECT 1", {}, Exception("é" * 2000))
    text = summary(long)
    assert len(text) <= len("OperationalError: ") + MAX_MESSAGE
    assert text.endswith("…")
