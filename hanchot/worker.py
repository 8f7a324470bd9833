"""The hanchot worker: every workflow and activity on one task queue.

Activities get the store (sync sessions, writes serialised on SQLite), the calendar files
and a Temporal client (cycles start unit workflows from activities).
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from activities.calendars import CalendarFiles
from activities.cycles import CycleActivities
from activities.deadlines import DeadlineActivities
from activities.digests import DigestActivities
from activities.failures import StoreErrors
from activities.planning import PlanningActivities
from activities.store_access import StoreAccess
from store import db
from workflows.calendar_sync import CalendarSync
from workflows.cycle import Cycle
from workflows.digest import Digest
from workflows.unit_deadline import UnitDeadline

WORKFLOWS = [UnitDeadline, Cycle, CalendarSync, Digest]


def activities(
    client: Client, store: StoreAccess, config_paths: list[Path] | None = None
) -> list[object]:
    calendars = CalendarFiles(store, config_paths or None)
    return [
        *DeadlineActivities(store).all(),
        *CycleActivities(store, client, calendars).all(),
        *PlanningActivities().all(),
        *DigestActivities(store).all(),
    ]


def store_access(database_url: str | None = None) -> StoreAccess:
    return StoreAccess(db.create_engine(database_url))


def build_worker(
    client: Client,
    task_queue: str,
    store: StoreAccess,
    config_paths: list[Path] | None = None,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(client, store, config_paths),
        max_concurrent_activities=64,
        max_concurrent_workflow_task_polls=8,
        max_concurrent_activity_task_polls=8,
        interceptors=[StoreErrors()],
    )
