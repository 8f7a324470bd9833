"""The preview of a publish (`hanchot load --dry-run`), against a store holding an open
cycle, on SQLite and PostgreSQL: what the engine will do, and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from activities.calendars import PublishedCalendars
from activities.cycles import CycleActivities, due_refs
from activities.preview import preview
from activities.publishing import read_file
from activities.snapshot import DEFAULT_CLOSE_AFTER
from activities.store_access import StoreAccess
from deadlines.present import step_text
from store import db, models
from tests.integration.test_dev_server import big_calendar
from tests.integration.test_live_calendar import changed_calendar
from tests.workflows.support import OBLIGATION, frozen_h1, make_calendar, publish
from tests.workflows.test_catch_up import HCM, sunday_night_after


def test_preview_names_every_effect_and_writes_nothing(migrated_url: str, tmp_path: Path) -> None:
    store = StoreAccess(db.create_engine(migrated_url))
    try:
        now = datetime.now(UTC)
        due = now.date() + timedelta(days=12)
        moved = due + timedelta(days=3) if (due + timedelta(days=3)).year == due.year else due
        path = big_calendar(tmp_path / "lon.yaml", 3, due)
        publish(store, [path])
        cycles = CycleActivities(store, None, PublishedCalendars(store))  # type: ignore[arg-type]
        calendar = PublishedCalendars(store).load("lon")
        [ref] = due_refs(calendar, now, DEFAULT_CLOSE_AFTER)
        cycles._freeze(ref, now)
        v2_path = changed_calendar(path, due, moved)
        text = v2_path.read_text(encoding="utf-8").replace(
            "obligations:\n", "supervisors:\n  - {person: coord, units: [tinh]}\nobligations:\n"
        )
        v2_path.write_text(text, encoding="utf-8")
        v2, _doc = read_file(v2_path)
        with store.read() as session:
            before = session.scalar(sa.select(models.Cycle.snapshot))
            found = preview(session, v2)
            after = session.scalar(sa.select(models.Cycle.snapshot))
            revisions = session.scalar(
                sa.select(sa.func.count()).select_from(models.CalendarRevision)
            )
    finally:
        store.engine.dispose()

    assert before == after and revisions == 1, "a preview writes nothing"
    assert found.revision == 2 and not found.opening
    assert [(u, n) for _c, u, n in found.starting] == [("xa-0003", "UBND xã Số 3")]
    [(_cycle, unit, _name, reason)] = found.stopping
    assert unit == "xa-0001" and "giải thể" in reason and "phiên bản 2" in reason
    if moved != due:
        assert {m.unit for m in found.moving} == {"UBND xã Số 0", "UBND xã Số 2"}
        assert all(m.legal_end[0] != m.legal_end[1] for m in found.moving)
    assert found.people["fp-moi"] == "thành đầu mối của UBND xã Số 0"
    assert found.people["fp-0000"] == "thôi là đầu mối của UBND xã Số 0"
    assert "fp-0003" in found.people
    assert found.people["coord"] == "bắt đầu nhận bản tổng hợp"


def test_an_open_cycle_and_an_unchanged_calendar_preview_nothing(
    migrated_url: str, tmp_path: Path
) -> None:
    store = StoreAccess(db.create_engine(migrated_url))
    try:
        now = datetime.now(UTC)
        path = big_calendar(tmp_path / "lon.yaml", 2, now.date() + timedelta(days=12))
        publish(store, [path])
        calendar = read_file(path)[0]
        with store.read() as session:
            [(cycle, _name, _label)] = preview(session, calendar).opening
        [ref] = due_refs(calendar, now, DEFAULT_CLOSE_AFTER)
        assert cycle == ref.workflow_id
        CycleActivities(store, None, PublishedCalendars(store))._freeze(ref, now)  # type: ignore[arg-type]
        with store.read() as session:
            assert not preview(session, calendar)
    finally:
        store.engine.dispose()


def test_a_cycle_that_would_open_after_its_escalations_previews_its_catch_up(
    migrated_url: str,
) -> None:
    year = 2027
    calendar = make_calendar(year)
    timeline = frozen_h1(calendar, year).snapshot.timeline
    now = sunday_night_after(max(s.at for s in timeline.steps))
    monday = datetime.combine(now.astimezone(HCM).date() + timedelta(days=1), time(7, 30), HCM)
    engine = db.create_engine(migrated_url)
    try:
        with Session(engine) as session:
            found = preview(session, calendar, now)
    finally:
        engine.dispose()

    assert [c for c, *_ in found.opening] == [f"cycle/test-cal/{OBLIGATION}/{year}-H1"]
    [line] = found.catch_up
    assert line.units == 2
    assert line.sends == {("escalate:2:head", monday): 1, ("escalate:1:focal_point", monday): 1}
    day = f"{monday:%d/%m/%Y} 07:30"
    text = line.text()
    assert text.startswith(f"Báo cáo 6 tháng công tác bình đẳng giới — 6 tháng đầu năm {year}: ")
    passed = ", ".join(step_text(s.key) for s in timeline.steps)
    assert f"đã qua thời điểm của {passed}; không gửi dồn các bước này;" in text
    assert f"chỉ gửi bù đôn đốc lần 1 (cán bộ đầu mối) lúc {day} cho 1 đơn vị" in text
    assert f"chỉ gửi bù đôn đốc lần 2 (thủ trưởng đơn vị) lúc {day} cho 1 đơn vị" in text
