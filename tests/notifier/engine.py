"""The real UnitDeadline workflow on the time-skipping server, mirrored into the test
store by the real store activities, for inbound tests to act on through the client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application
from temporalio.client import Client, WorkflowHandle

from activities.deadlines import DeadlineActivities
from activities.planning import PlanningActivities
from boundary.types import DeadlineState
from notifier.inbound import Engine
from notifier.telegram.bot import HanchotBot
from store.models import UnitDeadline
from tests.notifier.world import World
from tests.workflows.support import run_timeout, time_skipping, until, worker
from workflows.unit_deadline import UnitDeadline as UnitDeadlineWorkflow


@dataclass
class Running:
    client: Client
    handles: dict[str, WorkflowHandle[Any, Any]]

    async def state(self, unit: str = "unit-a") -> DeadlineState:
        return await self.handles[unit].query(UnitDeadlineWorkflow.state)


@asynccontextmanager
async def running(world: World, units: tuple[str, ...] = ("unit-a",)) -> AsyncIterator[Running]:
    """UnitDeadline workflows for `units`, their rows present in the store."""
    async with time_skipping() as env:
        activities = [*DeadlineActivities(world.store).all(), *PlanningActivities().all()]
        async with worker(env.client, activities) as queue:
            handles = {}
            for unit in units:
                inp = world.freeze(unit)
                handles[unit] = await env.client.start_workflow(
                    UnitDeadlineWorkflow.run,
                    inp,
                    id=inp.cycle.deadline_id(unit),
                    task_queue=queue,
                    execution_timeout=run_timeout(),
                )
            for unit in units:
                wid = world.inputs[unit].cycle.deadline_id(unit)

                async def mirrored(wid: str = wid) -> bool:
                    with world.store.read() as session:
                        return session.query(UnitDeadline).filter_by(workflow_id=wid).count() == 1

                await until(mirrored, f"{wid} in the store")
            yield Running(env.client, handles)


@asynccontextmanager
async def bot_app(
    world: World, client: Client | None
) -> AsyncIterator[tuple[HanchotBot, Application[Any, Any, Any, Any, Any, Any]]]:
    bot = HanchotBot(world.store, Engine(client) if client else None, world.settings)  # type: ignore[arg-type]
    app = bot.application()
    async with app:
        yield bot, app


async def feed(app: Application[Any, Any, Any, Any, Any, Any], update: dict[str, Any]) -> None:
    """Hand one update to the bot as polling would."""
    await app.process_update(Update.de_json(update, app.bot))
