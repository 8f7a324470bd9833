"""A simulated reporting unit, for `hanchot simulate` only: it waits until the moment its
behaviour says it submits, then submits through the same update a person would use.

It lives beside the real workflows so the simulation drives them from the outside, as
people do, instead of re-implementing what they do.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # Dataclasses crossing the boundary live in a passed-through module: one defined in a
    # sandboxed module sees the sandbox's `datetime`, which the converter cannot decode.
    from boundary.types import SimulatedUnitInput

SIM_SUBMIT = "simulate_submit"


@workflow.defn(name="SimulatedUnit")
class SimulatedUnit:
    @workflow.run
    async def run(self, inp: SimulatedUnitInput) -> None:
        wait = inp.submit_at - workflow.now()
        if wait > timedelta(0):
            await workflow.sleep(wait)
        await workflow.execute_activity(
            SIM_SUBMIT, inp, start_to_close_timeout=timedelta(minutes=1)
        )
