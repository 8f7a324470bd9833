"""save_calendar: idempotent upserts, change detection, and history kept on removal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.loader import load_calendar
from deadlines.model import Person, Role, Supervisor
from store import models
from store.calendars import save_calendar
from store.changes import Action, Change, Entity, FieldChange
from tests.store.store_factories import (
    HOSTILE_NAME,
    MARKUP_NAME,
    calendar,
    open_deadline,
    replace_unit,
)
from tests.store.store_factories import without_unit as drop_unit

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "examples"
T0 = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
T1 = datetime(2025, 2, 3, 1, 0, tzinfo=UTC)


@contextmanager
def writes(engine: Engine) -> Iterator[list[str]]:
    """Collect every INSERT, UPDATE and DELETE sent to the database."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def count(session: Session, model: type[models.Base]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def unit(session: Session, key: str) -> models.Unit:
    return session.scalars(sa.select(models.Unit).where(models.Unit.key == key)).one()


def test_first_save_stores_the_whole_calendar(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        changes = save_calendar(session, calendar(), "/cfg/huyen-thu.yaml", now=T0)

    assert changes.created
    counts = changes.counts()
    assert counts[Entity.PERSON, Action.ADDED] == 4
    assert counts[Entity.UNIT, Action.ADDED] == 4
    assert counts[Entity.OBLIGATION, Action.ADDED] == 2
    assert counts[Entity.SUPERVISOR, Action.ADDED] == 1
    with sessions() as session:
        stored = session.scalars(sa.select(models.Calendar)).one()
        assert (stored.key, stored.source_path, stored.loaded_at) == (
            "huyen-thu",
            "/cfg/huyen-thu.yaml",
            T0,
        )
        phong = unit(session, "phong-ld")
        assert phong.parent is not None and phong.parent.key == "huyen"
        assert [(c.role, c.person.key) for c in phong.contacts] == [
            (Role.FOCAL_POINT, "lan"),
            (Role.HEAD, "nam"),
        ]
        assert unit(session, "xa-a").opened == date(2020, 1, 1)
        obligation = session.scalars(
            sa.select(models.Obligation).where(models.Obligation.key == "bc-6-thang")
        ).one()
        assert obligation.receiver.key == "phong-ld"
        assert obligation.config["due"][0]["text"] == "before 15/06"
        assert obligation.config["escalation"][0] == {"after": "P1D", "to": "head"}
        supervisor = session.scalars(sa.select(models.Supervisor)).one()
        assert (supervisor.person.key, supervisor.unit.key) == ("nam", "huyen")
        # One audit entry per added thing, plus the load itself.
        assert count(session, models.AuditEntry) == len(changes.changes) + 1


def test_saving_the_same_calendar_again_writes_nothing(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "/cfg/huyen-thu.yaml", now=T0)
    with sessions() as session:
        audit_before = count(session, models.AuditEntry)

    with writes(engine) as statements, sessions.begin() as session:
        again = save_calendar(session, calendar(), "/cfg/huyen-thu.yaml", now=T1)

    assert not again and again.changes == () and not again.created
    assert statements == []
    with sessions() as session:
        assert count(session, models.AuditEntry) == audit_before
        assert session.scalars(sa.select(models.Calendar.loaded_at)).one() == T0
        assert set(session.scalars(sa.select(models.Unit.updated_at))) == {T0}


def test_changes_are_reported_field_by_field(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "/cfg/huyen-thu.yaml", now=T0)
    cal = calendar()
    cal = replace_unit(cal, "xa-a", name="UBND xã A mới", focal_points=("minh", "hoa"))
    cal = replace_unit(cal, "phong-ld", head=None)
    cal = drop_unit(cal, "xa-b")
    people = (*cal.people[:3], dataclasses.replace(cal.people[3], email="nam@moi.example"))
    obligations = (
        dataclasses.replace(cal.obligations[0], receiver="huyen"),
        cal.obligations[1],
    )
    cal = dataclasses.replace(
        cal,
        people=(*people, Person(id="tuan", name="Vũ Văn Tuấn")),
        obligations=obligations,
        supervisors=(Supervisor(person="nam", units=("huyen", "xa-a")),),
    )

    with sessions.begin() as session:
        changes = save_calendar(session, cal, "/cfg/huyen-thu.yaml", now=T1)

    assert not changes.created
    assert changes.changes == (
        Change(Entity.PERSON, "nam", Action.CHANGED, "Phạm Văn Nam",
               (FieldChange("email", "nam@thu.example", "nam@moi.example"),)),
        Change(Entity.PERSON, "tuan", Action.ADDED, "Vũ Văn Tuấn"),
        Change(Entity.UNIT, "phong-ld", Action.CHANGED, "Phòng Lao động - Thương binh và Xã hội",
               (FieldChange("head", "nam", None),)),
        Change(Entity.UNIT, "xa-a", Action.CHANGED, "UBND xã A mới", (
            FieldChange("name", "UBND xã A", "UBND xã A mới"),
            FieldChange("focal_points", ["minh"], ["minh", "hoa"]),
        )),
        Change(Entity.UNIT, "xa-b", Action.REMOVED, "UBND xã B"),
        Change(Entity.OBLIGATION, "bc-6-thang", Action.CHANGED, "Báo cáo 6 tháng",
               (FieldChange("receiver", "phong-ld", "huyen"),)),
        Change(Entity.SUPERVISOR, "nam", Action.CHANGED, "Phạm Văn Nam",
               (FieldChange("units", ["huyen"], ["huyen", "xa-a"]),)),
    )  # fmt: skip
    with sessions() as session:
        xa_a = unit(session, "xa-a")
        assert [c.person.key for c in xa_a.contacts] == ["minh", "hoa"]
        assert xa_a.updated_at == T1
        assert unit(session, "huyen").updated_at == T0, "unchanged rows are not touched"
        assert [c.role for c in unit(session, "phong-ld").contacts] == [Role.FOCAL_POINT]
        actions = session.scalars(
            sa.select(models.AuditEntry.action).where(models.AuditEntry.at == T1)
        ).all()
        assert sorted(actions) == sorted(
            [f"{c.entity}.{c.action}" for c in changes.changes] + ["calendar.loaded"]
        )

    with sessions.begin() as session:
        assert not save_calendar(session, cal, "/cfg/huyen-thu.yaml", now=T1)


def test_contacts_can_swap_roles_and_order(sessions: sessionmaker[Session]) -> None:
    """Reordering focal points or making the head a focal point hits no unique key."""
    cal = replace_unit(calendar(), "phong-ld", focal_points=("lan", "hoa"), head="nam")
    with sessions.begin() as session:
        save_calendar(session, cal, "a.yaml", now=T0)
    swapped = replace_unit(cal, "phong-ld", focal_points=("nam", "hoa", "lan"), head="lan")

    with sessions.begin() as session:
        changes = save_calendar(session, swapped, "a.yaml", now=T1)

    assert [c.key for c in changes.changes] == ["phong-ld"]
    with sessions() as session:
        contacts = unit(session, "phong-ld").contacts
        assert [(c.role, c.person.key, c.position) for c in contacts] == [
            (Role.FOCAL_POINT, "nam", 0),
            (Role.FOCAL_POINT, "hoa", 1),
            (Role.FOCAL_POINT, "lan", 2),
            (Role.HEAD, "lan", 0),
        ]


def test_a_unit_listed_before_its_parent_is_stored(sessions: sessionmaker[Session]) -> None:
    cal = calendar()
    cal = dataclasses.replace(cal, units=tuple(reversed(cal.units)))
    with sessions.begin() as session:
        save_calendar(session, cal, "a.yaml", now=T0)
    with sessions() as session:
        assert unit(session, "xa-b").parent.key == "huyen"  # type: ignore[union-attr]


def test_removing_a_unit_keeps_its_deadlines(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "a.yaml", now=T0)
        deadline_id = open_deadline(session, "huyen-thu", "bc-6-thang", "xa-b", "2025-H1").id

    with sessions.begin() as session:
        changes = save_calendar(session, drop_unit(calendar(), "xa-b"), "a.yaml", now=T1)

    [removed] = changes.changes
    assert (removed.key, removed.action, removed.open_deadlines) == ("xa-b", Action.REMOVED, 1)
    with sessions() as session:
        xa_b = unit(session, "xa-b")
        assert xa_b.removed_at == T1
        assert [c.person.key for c in xa_b.contacts] == ["hoa"], "who was responsible stays"
        deadline = session.get(models.UnitDeadline, deadline_id)
        assert deadline is not None and deadline.unit.key == "xa-b"

    with sessions.begin() as session:
        back = save_calendar(session, calendar(), "a.yaml", now=T1)
    assert [(c.key, c.action, c.fields) for c in back.changes] == [("xa-b", Action.RESTORED, ())]
    with sessions() as session:
        assert unit(session, "xa-b").removed_at is None
        assert count(session, models.UnitDeadline) == 1


def test_removed_people_and_obligations_are_marked_not_deleted(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "a.yaml", now=T0)
    cal = replace_unit(drop_unit(calendar(), "xa-b"), "phong-ld", head=None)
    cal = dataclasses.replace(
        cal,
        people=tuple(p for p in cal.people if p.id not in {"hoa", "nam"}),
        supervisors=(),
        obligations=cal.obligations[:1],
    )

    with sessions.begin() as session:
        changes = save_calendar(session, cal, "a.yaml", now=T1)

    removed = {(c.entity, c.key) for c in changes.changes if c.action is Action.REMOVED}
    assert removed == {
        (Entity.PERSON, "hoa"),
        (Entity.PERSON, "nam"),
        (Entity.UNIT, "xa-b"),
        (Entity.OBLIGATION, "bc-nam"),
        (Entity.SUPERVISOR, "nam"),
    }
    with sessions() as session:
        assert count(session, models.Person) == 4
        assert count(session, models.Obligation) == 2
        assert count(session, models.Supervisor) == 0
        marked = session.scalars(
            sa.select(models.Person.key).where(models.Person.removed_at == T1)
        ).all()
        assert sorted(marked) == ["hoa", "nam"]


def test_moving_the_file_is_a_change_of_the_calendar(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "/old/huyen-thu.yaml", now=T0)
    with sessions.begin() as session:
        changes = save_calendar(session, calendar(), "/new/huyen-thu.yaml", now=T1)
    assert changes.changes == (
        Change(
            Entity.CALENDAR,
            "huyen-thu",
            Action.CHANGED,
            "Lịch báo cáo BĐG huyện Thử",
            (FieldChange("source_path", "/old/huyen-thu.yaml", "/new/huyen-thu.yaml"),),
        ),
    )


def test_two_calendars_may_use_the_same_ids(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "a.yaml", now=T0)
        other = save_calendar(session, calendar(id="tinh-thu", name="Tỉnh"), "b.yaml", now=T0)
    assert other.created
    with sessions() as session:
        assert count(session, models.Unit) == 8
        keys = session.scalars(sa.select(models.Unit.key).where(models.Unit.key == "xa-a")).all()
        assert keys == ["xa-a", "xa-a"]


@pytest.mark.parametrize("name", [HOSTILE_NAME, MARKUP_NAME])
def test_names_are_stored_verbatim(sessions: sessionmaker[Session], name: str) -> None:
    cal = replace_unit(calendar(), "xa-a", name=name)
    with sessions.begin() as session:
        changes = save_calendar(session, cal, "a.yaml", now=T0)
    assert name in {c.label for c in changes.changes}

    with sessions() as session:
        assert unit(session, "xa-a").name == name
        assert count(session, models.Unit) == 4, "the units table is still there"
        found = session.scalars(sa.select(models.Unit.key).where(models.Unit.name == name)).all()
        assert found == ["xa-a"]
    with sessions.begin() as session:
        assert not save_calendar(session, cal, "a.yaml", now=T1)


def test_the_example_calendars_round_trip(sessions: sessionmaker[Session]) -> None:
    path = EXAMPLES / "bimson-2017.yaml"
    cal = load_calendar(path)
    with sessions.begin() as session:
        first = save_calendar(session, cal, path)
    with sessions.begin() as session:
        second = save_calendar(session, load_calendar(path), path)
    assert first.created and len(first.of(Entity.UNIT)) == len(cal.units)
    assert not second
