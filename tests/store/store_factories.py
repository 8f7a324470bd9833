"""Small calendars built in Python, and helpers to change them the way a coordinator would."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from deadlines.model import (
    Calendar,
    DayMonth,
    DueRule,
    EscalationRule,
    EscalationTarget,
    Obligation,
    Organisation,
    PeriodKind,
    Person,
    ReminderOffset,
    Submitters,
    Supervisor,
    Unit,
)
from store import models
from store.enums import DeadlineStatus

HOSTILE_NAME = "<script>alert(1)</script>'; DROP TABLE units;--"
MARKUP_NAME = "[bold red]Phòng[/] {name} %s \\n ${x} 'x' \"y\" — Ủy ban"


def calendar(**overrides: Any) -> Calendar:
    """A district with two communes and a department, two obligations, one supervisor."""
    base = Calendar(
        id="huyen-thu",
        name="Lịch báo cáo BĐG huyện Thử",
        organisation=Organisation(id="ubnd-thu", name="UBND huyện Thử"),
        people=(
            Person(id="lan", name="Nguyễn Thị Lan", email="lan@thu.example"),
            Person(id="minh", name="Trần Văn Minh", email="minh@thu.example", telegram="@minh"),
            Person(id="hoa", name="Lê Thị Hoa", email="hoa@thu.example"),
            Person(id="nam", name="Phạm Văn Nam", email="nam@thu.example"),
        ),
        units=(
            Unit(id="huyen", name="UBND huyện Thử", kind="district"),
            Unit(
                id="phong-ld",
                name="Phòng Lao động - Thương binh và Xã hội",
                kind="department",
                parent="huyen",
                focal_points=("lan",),
                head="nam",
            ),
            Unit(
                id="xa-a",
                name="UBND xã A",
                kind="commune",
                parent="huyen",
                focal_points=("minh",),
                opened=date(2020, 1, 1),
            ),
            Unit(
                id="xa-b", name="UBND xã B", kind="commune", parent="huyen", focal_points=("hoa",)
            ),
        ),
        supervisors=(Supervisor(person="nam", units=("huyen",)),),
        obligations=(
            Obligation(
                id="bc-6-thang",
                name="Báo cáo 6 tháng",
                period=PeriodKind.SEMIANNUAL,
                due=(DueRule(text="before 15/06", inclusive=False, slot="H1", on=DayMonth(15, 6)),),
                submitters=Submitters(kinds=("commune",)),
                receiver="phong-ld",
                reminders=(ReminderOffset(-7), ReminderOffset(-1)),
                escalation=(EscalationRule(timedelta(days=1), EscalationTarget.HEAD),),
            ),
            Obligation(
                id="bc-nam",
                name="Báo cáo năm",
                period=PeriodKind.ANNUAL,
                due=(DueRule(text="before 15/12", inclusive=False, on=DayMonth(15, 12)),),
                submitters=Submitters(kinds=("commune", "department")),
                receiver="phong-ld",
            ),
        ),
        source="huyen-thu.yaml",
    )
    return dataclasses.replace(base, **overrides)


def replace_unit(cal: Calendar, unit_id: str, **changes: Any) -> Calendar:
    units = tuple(dataclasses.replace(u, **changes) if u.id == unit_id else u for u in cal.units)
    return dataclasses.replace(cal, units=units)


def without_unit(cal: Calendar, unit_id: str) -> Calendar:
    return dataclasses.replace(cal, units=tuple(u for u in cal.units if u.id != unit_id))


def open_deadline(
    session: Session, calendar_key: str, obligation_key: str, unit_key: str, period: str
) -> models.UnitDeadline:
    """A cycle (made if missing) and one open deadline in it, as the engine would record."""
    obligation = session.scalars(
        select(models.Obligation)
        .join(models.Calendar)
        .where(models.Calendar.key == calendar_key, models.Obligation.key == obligation_key)
    ).one()
    unit = session.scalars(
        select(models.Unit).where(
            models.Unit.calendar_id == obligation.calendar_id, models.Unit.key == unit_key
        )
    ).one()
    cycle = session.scalars(
        select(models.Cycle).where(
            models.Cycle.obligation_id == obligation.id, models.Cycle.period == period
        )
    ).one_or_none()
    if cycle is None:
        cycle = models.Cycle(
            workflow_id=f"cycle/{calendar_key}/{obligation_key}/{period}",
            obligation=obligation,
            period=period,
            snapshot=dict(obligation.config),
        )
        session.add(cycle)
    deadline = models.UnitDeadline(
        workflow_id=f"deadline/{calendar_key}/{obligation_key}/{period}/{unit_key}",
        cycle=cycle,
        unit=unit,
        status=DeadlineStatus.OPEN,
        legal_end_at=datetime(2025, 6, 14, 17, 0, tzinfo=UTC),
    )
    session.add(deadline)
    session.flush()
    return deadline
