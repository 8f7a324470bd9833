"""The hanchot worker: every workflow and activity on one task queue.

Activities get the store (sync sessions, writes serialised on SQLite; calendars are read
from their published revisions there, never from files) and a Temporal client (cycles
start unit workflows from activities). hanchot.revision_watch runs beside the worker.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.worker import Worker

from activities.calendars import PublishedCalendars
from activities.cycles import CycleActivities
from activities.deadlines import DeadlineActivities
from activities.digests import DigestActivities
from activities.failures import StoreErrors
from activities.planning import PlanningActivities
from activities.revisions import RevisionActivities
from activities.store_access import StoreAccess
from store import db
from workflows.calendar_revision import CalendarRevision
from workflows.calendar_sync import CalendarSync
from workflows.cycle import Cycle
from workflows.digest import Digest
from workflows.unit_deadline import UnitDeadline

WORKFLOWS = [UnitDeadline, Cycle, CalendarSync, CalendarRevision, Digest]


def activities(client: Client, store: StoreAccess) -> list[object]:
    calendars = PublishedCalendars(store)
    return [
        *DeadlineActivities(store).all(),
        *CycleActivities(store, client, calendars).all(),
        *PlanningActivities().all(),
        *RevisionActivities(store, client).all(),
        *DigestActivities(store).all(),
    ]


def store_access(database_url: str | None = None) -> StoreAccess:
    return StoreAccess(db.create_engine(database_url))


def build_worker(
    client: Client,
    task_queue: str,
    store: StoreAccess,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(client, store),
        max_concurrent_activities=64,
        max_concurrent_workflow_task_polls=8,
        max_concurrent_activity_task_polls=8,
        interceptors=[StoreErrors()],
    )
