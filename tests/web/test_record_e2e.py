"""A paper copy recorded by a coordinator, through real UnitDeadline workflows on the
time-skipping server and the real store activities: the day received decides on time or
late, the store and the unit's timeline show the submission with its file and who
recorded it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from activities.store_access import StoreAccess
from hanchot.gateway import TemporalGateway
from store import deadlines_repo
from store.calendars import save_calendar
from store.models import Submission, Unit, UnitDeadline, WebRole
from tests.web.factory import PDF
from tests.workflows.support import (
    OBLIGATION,
    calendar_file,
    engine_activities,
    env_year,
    frozen_h1,
    make_calendar,
    run_timeout,
    sleep_until,
    sqlite_store,
    time_skipping,
    worker,
)
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings
from workflows.unit_deadline import UnitDeadline as UnitDeadlineWorkflow

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EMAIL, PASSWORD = "dieuphoi@thu.example", "mat-khau-du-dai-3"
CSRF = 'name="csrf_token" value="'


def _token(page: str) -> str:
    return page.split(CSRF, 1)[1].split('"', 1)[0]


@asynccontextmanager
async def dashboard(store: StoreAccess, data: Path, gateway: TemporalGateway, now: datetime
                    ) -> AsyncIterator[httpx.AsyncClient]:  # fmt: skip
    settings = WebSettings(database_url=str(store.engine.url), secret="r" * 40, data_dir=data)
    app = create_app(settings, gateway, clock=lambda: now)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            login = await c.get("/login")
            answer = await c.post(
                "/login",
                data={"email": EMAIL, "password": PASSWORD, "csrf_token": _token(login.text)},
            )
            assert answer.status_code == 303
            yield c
    finally:
        app.state.hanchot.engine.dispose()


async def test_a_paper_copy_is_on_time_or_late_by_the_day_received(tmp_path: Path) -> None:
    async with time_skipping() as env:
        year = await env_year(env)
        calendar = make_calendar(year)
        frozen = frozen_h1(calendar, year)
        path = calendar_file(tmp_path, year)
        store = sqlite_store(tmp_path)
        with store.write() as session:
            save_calendar(session, calendar, str(path))
            deadlines_repo.freeze_cycle(
                session,
                "test-cal",
                OBLIGATION,
                f"{year}-H1",
                frozen.snapshot.cycle_id,
                {"cycle": {"period_label": f"6 tháng đầu năm {year}"}, "units": []},
                frozen.snapshot.opens_at,
            )
        create_account(store.engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
        units = {u.unit_id: u for u in frozen.units}
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            handles = {
                unit: await env.client.start_workflow(
                    UnitDeadlineWorkflow.run,
                    units[unit],
                    id=frozen.snapshot.deadline_id(unit),
                    task_queue=queue,
                    execution_timeout=run_timeout(),
                )
                for unit in ("unit-a", "unit-b")
            }
            timeline = units["unit-a"].cycle.timeline
            last_day = date.fromisoformat(timeline.last_day)
            await sleep_until(env, timeline.legal_end_at + timedelta(days=3))
            now = await env.get_current_time()
            received = {"unit-a": last_day, "unit-b": last_day + timedelta(days=1)}
            async with dashboard(store, tmp_path, TemporalGateway(env.client), now) as web:
                for unit, day in received.items():
                    with store.read() as session:
                        uid = session.scalar(sa.select(Unit.id).where(Unit.key == unit))
                    wid = frozen.snapshot.deadline_id(unit)
                    form = await web.get(f"/units/{uid}", params={"record": wid})
                    assert 'id="ghi-nhan"' in form.text  # overdue: it can still take one
                    response = await web.post(
                        f"/units/{uid}/submissions",
                        data={
                            "csrf_token": _token(form.text),
                            "workflow_id": wid,
                            "document_number": f"12/BC-{unit}",
                            "received_on": f"{day:%d/%m/%Y}",
                            "note": "Nhận bản giấy qua văn thư",
                        },
                        files=[("files", (f"bao-cao-{unit}.pdf", PDF, "application/pdf"))],
                    )
                    assert response.status_code == 303, response.text
                page = (await web.get(f"/units/{uid}")).text  # unit-b's timeline
            states = {u: await h.query(UnitDeadlineWorkflow.state) for u, h in handles.items()}

    expected_status = {"unit-a": "submitted_on_time", "unit-b": "submitted_late"}
    for unit, state in states.items():
        assert state.status == expected_status[unit]
        assert state.submission is not None and state.submission.by == f"web:{EMAIL}"
        instant = datetime.combine(received[unit], time(17), TZ).astimezone(UTC)
        assert state.submission.at == instant and state.submission.channel == "web"
    with store.read() as session:
        rows = session.execute(
            sa.select(UnitDeadline.workflow_id, UnitDeadline.status, Submission)
            .join(Submission, Submission.deadline_id == UnitDeadline.id)
            .order_by(UnitDeadline.workflow_id)
        ).all()
        assert [(r[1].value, r[2].document_number) for r in rows] == [
            ("submitted_on_time", "12/BC-unit-a"),
            ("submitted_late", "12/BC-unit-b"),
        ]
        [evidence] = rows[1][2].evidence
        assert evidence.file_name == "bao-cao-unit-b.pdf"
        assert (tmp_path / evidence.storage_path).read_bytes() == PDF
    assert "Đã nộp muộn" in page and "bao-cao-unit-b.pdf" in page
    assert f"Cán bộ điều phối ghi nhận thay đơn vị ({EMAIL}); số văn bản: 12/BC-unit-b" in page
    assert f"{received['unit-b']:%d/%m/%Y} 17:00" in page
