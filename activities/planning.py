"""Activities that re-plan a deadline in flight with the pure core (no I/O).

They exist because a workflow may not touch time zones or holiday tables: an approved
extension or a snooze asks here for the new UTC instants.
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as act
from activities.snapshot import replan, working_slot
from boundary.types import Timeline
from deadlines import bounds


class PlanningActivities:
    @activity.defn(name=act.REPLAN_DEADLINE)
    async def replan_deadline(self, inp: act.ReplanInput) -> Timeline:
        """A day that cannot be planned fails for good: retrying the same pure computation
        can only fail again (an extension to 31/12/9999 was retried for ever)."""
        try:
            if inp.new_last_day is not None:
                new_last_day = bounds.check_date(date.fromisoformat(inp.new_last_day))
            else:
                current = date.fromisoformat(inp.current_last_day)
                new_last_day = bounds.check_date(current + timedelta(days=inp.days))
            return replan(inp.rules, inp.obligation_id, inp.period_id, new_last_day, inp.generation)
        except (ValueError, OverflowError) as exc:
            raise ApplicationError(
                f"cannot re-plan to {inp.new_last_day or f'+{inp.days} days'}: {exc}",
                type="ReplanImpossible",
                non_retryable=True,
            ) from None

    @activity.defn(name=act.NEXT_WORKING_SLOT)
    async def next_working_slot(self, inp: act.SlotInput) -> act.SlotResult:
        return act.SlotResult(working_slot(inp.rules, inp.instant))

    def all(self) -> list[object]:
        return [self.replan_deadline, self.next_working_slot]
