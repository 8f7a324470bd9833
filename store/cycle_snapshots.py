"""A cycle's frozen snapshot as a typed read model: the cycle once, each unit's contacts.

`cycles.snapshot` holds `{"cycle": CycleSnapshot, "units": [{unit_id, unit_name,
contacts}]}` as JSON (the dashboard's queries read `cycle.period_label` and the like
straight from it). This module is the one place that writes and reads it as types: the
cycle is decoded once, not once per unit (a 3,000-unit cycle decoded per unit through a
generic converter took seconds), and a revision rewrites it through `encode` so that the
store shows what the workflows hold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from boundary.types import Contacts, CycleSnapshot, UnitDeadlineInput
from store import deadlines_repo
from store.calendar_model import from_json
from store.serialize import to_json


@dataclass(frozen=True, slots=True)
class FrozenCycle:
    cycle: CycleSnapshot
    units: list[UnitDeadlineInput]
    frozen_units: int
    """How many units the cycle opened with (the Cycle workflow's `expected`): units a
    revision added later come after them."""

    def batch(self, offset: int, limit: int) -> list[UnitDeadlineInput]:
        """The Cycle workflow's batch at `offset`; its last batch (the one reaching
        `frozen_units`) also takes the units added since, which the workflow, counting
        only what it opened, would never ask for."""
        end = offset + limit
        return self.units[offset:] if end >= self.frozen_units else self.units[offset:end]


def encode(
    cycle: CycleSnapshot, units: list[UnitDeadlineInput], frozen_units: int | None = None
) -> dict[str, Any]:
    return {
        "frozen_units": len(units) if frozen_units is None else frozen_units,
        "cycle": to_json(cycle),
        "units": [
            {"unit_id": u.unit_id, "unit_name": u.unit_name, "contacts": to_json(u.contacts)}
            for u in units
        ],
    }


def decode(data: dict[str, Any]) -> FrozenCycle:
    cycle: CycleSnapshot = from_json(CycleSnapshot, data["cycle"])
    names = {f.name for f in dataclasses.fields(Contacts)}
    units = [
        UnitDeadlineInput(
            cycle=cycle,
            unit_id=u["unit_id"],
            unit_name=u["unit_name"],
            contacts=Contacts(**{k: v for k, v in u["contacts"].items() if k in names}),
        )
        for u in data["units"]
    ]
    return FrozenCycle(cycle, units, int(data.get("frozen_units", len(units))))


def read(session: Session, workflow_id: str) -> FrozenCycle:
    """The snapshot of cycle `workflow_id` (store.deadlines_repo.StoreMissing if none)."""
    return decode(deadlines_repo.cycle_snapshot(session, workflow_id))
