"""The pure decisions of a UnitDeadline: status at an instant, snooze bounds, reopen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from boundary.types import Step, Timeline
from deadlines.expected import DeadlineStatus as S
from workflows import deadline_state as ds

T0 = datetime(2031, 6, 1, 1, 0, tzinfo=UTC)
DUE = T0 + timedelta(days=14)


def timeline(generation: int = 0, expects_submission: bool = True) -> Timeline:
    return Timeline(
        legal_end="2031-06-14",
        legal_end_at=DUE,
        last_day="2031-06-14",
        due_soon_at=DUE - timedelta(days=7),
        closes_at=DUE + timedelta(days=30),
        generation=generation,
        expects_submission=expects_submission,
    )


@pytest.mark.parametrize(
    ("days", "kw", "expected"),
    [
        (-1, {}, S.SCHEDULED),
        (1, {}, S.OPEN),
        (8, {}, S.DUE_SOON),
        (15, {}, S.OVERDUE),
        (8, {"generation": 1}, S.EXTENDED),
        (15, {"generation": 1}, S.OVERDUE),
        (15, {"expects_submission": False}, S.DUE_SOON),  # an announced campaign is never late
        (15, {"on_time": True}, S.SUBMITTED_ON_TIME),
        (15, {"on_time": False}, S.SUBMITTED_LATE),
        (15, {"excused": True}, S.EXCUSED),
        (15, {"missing": True}, S.MISSING),
    ],
)
def test_status_at_an_instant(days: int, kw: dict[str, object], expected: S) -> None:
    t = timeline(int(kw.get("generation", 0)), bool(kw.get("expects_submission", True)))  # type: ignore[call-overload]
    status = ds.derive_status(
        T0 + timedelta(days=days),
        T0,
        t,
        submitted_on_time=kw.get("on_time"),  # type: ignore[arg-type]
        excused=bool(kw.get("excused")),
        missing=bool(kw.get("missing")),
    )
    assert status is expected


def remind(key: str, days: float) -> Step:
    return Step(key, "remind", DUE - timedelta(days=days))


def test_a_snooze_holds_back_reminders_but_never_the_final_one_nor_escalations() -> None:
    pending = [
        remind("remind:-3d", 3),
        remind("remind:-1d", 1),
        remind("remind:0d", 0.5),
        Step("escalate:1:focal_point", "escalate", DUE + timedelta(days=1)),
    ]
    slot = DUE - timedelta(days=2)
    kept, step = ds.plan_snooze(pending, slot, DUE, 1)
    assert step is not None and step.key == "snooze:1" and step.at == slot
    assert [s.key for s in kept] == [
        "snooze:1",
        "remind:-1d",
        "remind:0d",
        "escalate:1:focal_point",
    ]

    late = DUE - timedelta(hours=1)  # past the final reminder: nothing is added
    kept, step = ds.plan_snooze(pending, late, DUE, 2)
    assert step is None
    assert [s.key for s in kept] == ["remind:0d", "escalate:1:focal_point"]


def test_reopening_skips_reminders_already_past_and_keeps_escalations() -> None:
    pending = [
        remind("remind:-1d", 1),
        remind("remind:0d", 0.5),
        Step("escalate:1:focal_point", "escalate", DUE + timedelta(days=1)),
    ]
    kept, skipped = ds.reopen_pending(pending, DUE - timedelta(hours=20))
    assert skipped == ["remind:-1d"]
    assert [s.key for s in kept] == ["remind:0d", "escalate:1:focal_point"]


def test_steps_at_the_same_instant_remind_before_they_escalate() -> None:
    same = DUE + timedelta(days=1)
    steps = [Step("escalate:1:head", "escalate", same), Step("snooze:1", "remind", same)]
    assert [s.key for s in ds.order_steps(steps)] == ["snooze:1", "escalate:1:head"]


def test_refusals_are_in_vietnamese() -> None:
    assert str(ds.refusal("extension_days", max=90)) == "số ngày gia hạn phải từ 1 đến 90"
