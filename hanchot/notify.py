"""Process wiring of the notifier: its channels, sweep and mailbox poller
(`notifier.service`) inside a Temporal worker serving the delivery activity on the
delivery task queue. `hanchot notify` runs it; `hanchot dev` can run it in-process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from temporalio.client import Client
from temporalio.worker import Worker

from activities.delivery import DeliveryActivities
from activities.delivery_contract import delivery_queue
from activities.store_access import StoreAccess
from notifier.service import Running, notifier_service
from notifier.settings import NotifierSettings


@contextlib.asynccontextmanager
async def run_notifier(
    client: Client, store: StoreAccess, settings: NotifierSettings, task_queue: str
) -> AsyncIterator[Running]:
    """`task_queue` is the engine's main queue; delivery listens on `<it>.notify`."""
    async with (
        notifier_service(client, store, settings) as running,
        Worker(
            client,
            task_queue=delivery_queue(task_queue),
            activities=DeliveryActivities(running.deliverer).all(),
            max_concurrent_activities=32,
        ),
    ):
        yield running
