"""Activities that re-plan a deadline in flight with the pure core (no I/O).

They exist because a workflow may not touch time zones or holiday tables: an approved
extension or a snooze asks here for the new UTC instants.
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio import activity

from activities import contracts as act
from activities.snapshot import replan, working_slot
from boundary.types import Timeline


class PlanningActivities:
    @activity.defn(name=act.REPLAN_DEADLINE)
    async def replan_deadline(self, inp: act.ReplanInput) -> Timeline:
        if inp.new_last_day is not None:
            new_last_day = date.fromisoformat(inp.new_last_day)
        else:
            new_last_day = date.fromisoformat(inp.current_last_day) + timedelta(days=inp.days)
        return replan(inp.rules, inp.obligation_id, inp.period_id, new_last_day, inp.generation)

    @activity.defn(name=act.NEXT_WORKING_SLOT)
    async def next_working_slot(self, inp: act.SlotInput) -> act.SlotResult:
        return act.SlotResult(working_slot(inp.rules, inp.instant))

    def all(self) -> list[object]:
        return [self.replan_deadline, self.next_working_slot]
