"""store.credentials: the current calendar decides who may act for a unit, for every
channel (issue 12, item 6), on SQLite and PostgreSQL; the calendar is changed the way a
coordinator changes it, by saving an edited calendar."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from notifier import inbound
from store.calendars import save_calendar
from store.credentials import acting_for_deadline, current_focal_points
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage, Person, UnitContact
from tests.store.store_factories import calendar, open_deadline, replace_unit, without_unit


def _deadline(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "huyen-thu.yaml")
        return open_deadline(session, "huyen-thu", "bc-6-thang", "xa-a", "2025-H1").id


def _save(sessions: sessionmaker[Session], cal: object) -> None:
    with sessions.begin() as session:
        save_calendar(session, cal, "huyen-thu.yaml")  # type: ignore[arg-type]


def _person_id(sessions: sessionmaker[Session], key: str) -> int:
    with sessions() as session:
        return session.scalars(sa.select(Person.id).where(Person.key == key)).one()


def _acting(sessions: sessionmaker[Session], deadline_id: int, key: str | None) -> bool:
    with sessions() as session:
        return acting_for_deadline(session, deadline_id, key) is not None


def _telegram_may(sessions: sessionmaker[Session], deadline_id: int, key: str) -> bool:
    with sessions() as session:
        return inbound.deadline_for(session, deadline_id, [_person_id(sessions, key)]) is not None


def test_the_focal_point_acts_and_nobody_else(sessions: sessionmaker[Session]) -> None:
    deadline = _deadline(sessions)
    assert _acting(sessions, deadline, "minh") and _telegram_may(sessions, deadline, "minh")
    for other in ("hoa", "lan", "nam", "khong-co", "", None):  # other units' people, nobody
        assert not _acting(sessions, deadline, other)
    assert not _telegram_may(sessions, deadline, "hoa")


def test_a_focal_point_taken_off_the_unit_no_longer_acts(sessions: sessionmaker[Session]) -> None:
    deadline = _deadline(sessions)
    _save(sessions, replace_unit(calendar(), "xa-a", focal_points=("hoa",)))
    assert not _acting(sessions, deadline, "minh") and not _telegram_may(sessions, deadline, "minh")
    assert _acting(sessions, deadline, "hoa") and _telegram_may(sessions, deadline, "hoa")


def test_a_person_removed_from_the_calendar_no_longer_acts(sessions: sessionmaker[Session]) -> None:
    deadline = _deadline(sessions)
    cal = replace_unit(calendar(), "xa-a", focal_points=())
    cal = dataclasses.replace(cal, people=tuple(p for p in cal.people if p.id != "minh"))
    _save(sessions, cal)
    assert not _acting(sessions, deadline, "minh") and not _telegram_may(sessions, deadline, "minh")


def test_nobody_acts_for_a_unit_removed_from_the_calendar(sessions: sessionmaker[Session]) -> None:
    deadline = _deadline(sessions)
    _save(sessions, without_unit(calendar(), "xa-a"))
    assert not _acting(sessions, deadline, "minh")
    assert not _telegram_may(sessions, deadline, "minh")
    with sessions() as session:
        still = session.scalars(current_focal_points(UnitContact.unit_id)).all()
        assert still  # the other units' focal points are untouched


def _decision_row(sessions: sessionmaker[Session], deadline_id: int, key: str) -> int:
    with sessions.begin() as session:
        row = OutboxMessage(
            workflow_id=f"deadline/huyen-thu/bc-6-thang/2025-H1/xa-a#{key}",
            step="extension-requested-r1",
            channel=Channel.TELEGRAM,
            recipient_id=_person_id(sessions, key),
            address="-100123",
            deadline_id=deadline_id,
            payload={"kind": "extension_requested", "details": {"request": "r1"}},
            status=OutboxStatus.SENT,
        )
        session.add(row)
        session.flush()
        return row.id


def test_extension_buttons_lapse_when_the_coordinator_leaves_the_receiving_unit(
    sessions: sessionmaker[Session],
) -> None:
    deadline = _deadline(sessions)
    lan = _person_id(sessions, "lan")  # focal point of phong-ld, which receives the report
    row = _decision_row(sessions, deadline, "lan")
    with sessions() as session:
        assert inbound.decision_for(session, row, [lan]) is not None
    _save(sessions, replace_unit(calendar(), "phong-ld", focal_points=("hoa",)))
    with sessions() as session:
        assert inbound.decision_for(session, row, [lan]) is None
