"""store.cycle_snapshots: the frozen cycle as types, and snapshots stored before it."""

from __future__ import annotations

import json

from temporalio.converter import AdvancedJSONEncoder, value_to_type

from boundary.types import UnitDeadlineInput
from store import cycle_snapshots
from tests.workflows.support import frozen_h1, make_calendar


def test_encode_then_decode_gives_back_the_units() -> None:
    frozen = frozen_h1(make_calendar(2031), 2031)
    data = json.loads(json.dumps(cycle_snapshots.encode(frozen.snapshot, frozen.units)))
    decoded = cycle_snapshots.decode(data)
    assert decoded.cycle == frozen.snapshot
    assert decoded.units == frozen.units
    assert all(u.cycle is decoded.cycle for u in decoded.units), "the cycle is decoded once"


def test_a_snapshot_written_before_the_read_model_decodes_the_same() -> None:
    """Cycles frozen by earlier versions (Temporal's JSON encoder, units without their
    cycle) stay readable: the engine and the revisions read them with this module."""
    frozen = frozen_h1(make_calendar(2031), 2031)

    def to_data(value: object) -> object:
        return json.loads(json.dumps(value, cls=AdvancedJSONEncoder))

    units = [{k: v for k, v in u.items() if k != "cycle"} for u in to_data(frozen.units)]  # type: ignore[attr-defined]
    old = {"cycle": to_data(frozen.snapshot), "units": units}
    decoded = cycle_snapshots.decode(old)
    expected = [value_to_type(UnitDeadlineInput, {**u, "cycle": old["cycle"]}) for u in units]
    assert decoded.units == expected
    assert decoded.frozen_units == len(units)
