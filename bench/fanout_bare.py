"""The bare Temporal equivalent of opening a cycle, for bench/fanout.py to compare with.

One minimal workflow per unit: it records one row through one activity into a store of
the same kind as hanchot's (a SQLite file behind the same StoreAccess: BEGIN IMMEDIATE,
writes taking turns) and then sleeps on a timer until its deadline. Nothing else: no
snapshot, no status, no audit, no contacts. Kept in its own module because the workflow
sandbox imports a workflow's module by name.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import sqlalchemy as sa

    from activities.store_access import StoreAccess

METADATA = sa.MetaData()
ROWS = sa.Table(
    "bare_rows",
    METADATA,
    sa.Column("workflow_id", sa.String(200), primary_key=True),
    sa.Column("unit_id", sa.String(100), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass
class BareInput:
    unit_id: str
    sleep_seconds: float
    """How long to sleep after recording (until the deadline)."""


@dataclass
class BareRow:
    workflow_id: str
    unit_id: str
    at: str
    """ISO instant (a module the sandbox re-imports cannot convert its own datetime)."""


class BareActivities:
    def __init__(self, store: StoreAccess) -> None:
        self._store = store

    @activity.defn(name="bare_record")
    async def record(self, row: BareRow) -> None:
        def write() -> None:
            with self._store.write() as session:
                session.execute(
                    ROWS.insert().values(
                        workflow_id=row.workflow_id,
                        unit_id=row.unit_id,
                        at=datetime.fromisoformat(row.at),
                    )
                )

        await asyncio.to_thread(write)


@workflow.defn(name="BareUnit")
class BareUnit:
    @workflow.run
    async def run(self, inp: BareInput) -> None:
        await workflow.execute_activity(
            "bare_record",
            BareRow(workflow.info().workflow_id, inp.unit_id, workflow.now().isoformat()),
            start_to_close_timeout=timedelta(minutes=1),
        )
        await workflow.sleep(inp.sleep_seconds)
