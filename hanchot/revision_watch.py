"""The worker's revision watcher: a published calendar revision reaches the engine in seconds.

Publishing writes only to the store (`hanchot load` may run where Temporal is not
reachable, the dashboard's editor will publish the same way). The worker polls the store
for latest revisions not yet applied and starts one CalendarRevision workflow per
revision; its id makes the start idempotent across workers and polls, and a run that
failed may be started again. The revision is marked applied by the workflow itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from activities.store_access import StoreAccess
from boundary.types import RevisionRun
from store import revisions
from workflows.calendar_revision import workflow_id

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


async def start_unapplied(client: Client, store: StoreAccess, task_queue: str) -> list[str]:
    """Start CalendarRevision for every latest revision not applied yet; the ids started."""

    def read() -> list[tuple[str, int]]:
        with store.read() as session:
            return revisions.unapplied(session)

    started = []
    for key, number in await asyncio.to_thread(read):
        wid = workflow_id(key)
        try:
            await client.start_workflow(
                "CalendarRevision",
                RevisionRun(key, number),
                id=wid,
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            )
            started.append(wid)
            log.info("applying calendar %s revision %d", key, number)
        except WorkflowAlreadyStartedError:
            pass  # the previous revision is still being applied: next poll
    return started


@contextlib.asynccontextmanager
async def revision_watcher(
    client: Client, store: StoreAccess, task_queue: str, interval: float = POLL_SECONDS
) -> AsyncIterator[None]:
    async def loop() -> None:
        failing = False
        while True:
            try:
                await start_unapplied(client, store, task_queue)
                if failing:
                    log.info("revision watcher recovered")
                failing = False
            except (RPCError, RuntimeError, OSError) as exc:
                if not failing:
                    log.warning("revision watcher: %s (retrying)", exc)
                failing = True
            except Exception:
                if not failing:
                    log.exception("revision watcher failed (retrying)")
                failing = True
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="revision-watcher")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
