"""Done when (issue 15): a focal point with email only asks for an extension from the link
in a reminder, the coordinator approves it from the link in the request email, and every
output then shows the same new deadline and days left.

Real UnitDeadline workflows on the time-skipping server with the real store activities,
real SMTP on loopback (aiosmtpd) through the real delivery, the dashboard on the real
Temporal gateway, `hanchot status` in-process.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from activities.store_access import StoreAccess
from deadlines import present
from hanchot.gateway import TemporalGateway
from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.settings import NotifierSettings, Secret, SmtpSettings, TelegramSettings
from store import deadlines_repo
from store.calendars import save_calendar
from store.models import OutboxMessage, Unit, UnitDeadline, WebRole
from tests.fakes.smtp import FakeSMTP
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

SECRET = "e" * 40
PUBLIC = "http://127.0.0.1:8000"
COORDINATOR, PASSWORD = "coord@thu.example", "mat-khau-du-dai-9"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def _link(text: str, label: str) -> str:
    """The path of the link after `label` in a plain-text email."""
    found = re.search(re.escape(label) + r" (\S+)", text)
    assert found, f"no link after {label!r} in:\n{text}"
    return found.group(1).removeprefix(PUBLIC).split("#", 1)[0]


@asynccontextmanager
async def browser(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield client


async def _form(client: httpx.AsyncClient, path: str) -> tuple[str, str]:
    page = (await client.get(path)).text
    found = CSRF.search(page)
    assert found, page
    return page, found.group(1)


class Outbox:
    """Delivers what the workflow queued, through real SMTP, and returns what arrived."""

    def __init__(self, store: StoreAccess, deliverer: Deliverer, smtp: FakeSMTP) -> None:
        self.store, self.deliverer, self.smtp = store, deliverer, smtp

    async def deliver(self, wid: str, kind: str, to: str) -> EmailMessage:
        with self.store.read() as session:
            steps = session.scalars(
                sa.select(OutboxMessage.step)
                .where(OutboxMessage.workflow_id == wid)
                .order_by(OutboxMessage.id)
            ).all()
            kinds = session.scalars(
                sa.select(OutboxMessage.payload["kind"].as_string())
                .where(OutboxMessage.workflow_id == wid)
                .order_by(OutboxMessage.id)
            ).all()
        step = [s for s, k in zip(steps, kinds, strict=True) if k == kind][-1]
        before = len(self.smtp.to(to))
        await self.deliverer.deliver_step(wid, step)
        mails = self.smtp.to(to)
        assert len(mails) == before + 1, (kind, step, [m["Subject"] for m in mails])
        return mails[-1]


async def test_an_extension_asked_and_granted_by_email_shows_everywhere_the_same(
    tmp_path: Path,
) -> None:
    smtp = FakeSMTP().start()
    settings = NotifierSettings(
        secret=Secret(SECRET),
        data_dir=tmp_path,
        public_url=PUBLIC,
        smtp=SmtpSettings(
            sender="Hạn chót <hanchot@tinh-thu.example>",
            timeout=5.0,
            host="127.0.0.1",
            port=smtp.port,
            security="none",
        ),
        telegram=TelegramSettings(timeout=1.0),
    )
    registry = Registry([EmailChannel(settings.smtp)])
    try:
        async with time_skipping() as env:
            await _scenario(env, tmp_path, settings, registry, smtp)
    finally:
        await registry.aclose()
        smtp.stop()


async def _scenario(
    env: object, tmp: Path, settings: NotifierSettings, registry: Registry, smtp: FakeSMTP
) -> None:
    year = await env_year(env)  # type: ignore[arg-type]
    calendar = make_calendar(year)
    frozen = frozen_h1(calendar, year)
    path = calendar_file(tmp, year)
    store = sqlite_store(tmp)
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
    create_account(store.engine, COORDINATOR, WebRole.COORDINATOR, None, password=PASSWORD)
    clock_now: list[datetime] = []
    deliverer = Deliverer(store, registry, settings, clock=lambda: clock_now[-1])
    outbox = Outbox(store, deliverer, smtp)
    inp = next(u for u in frozen.units if u.unit_id == "unit-a")
    wid = frozen.snapshot.deadline_id("unit-a")
    client = env.client  # type: ignore[attr-defined]
    web_settings = WebSettings(
        database_url=str(store.engine.url), secret=SECRET, data_dir=tmp, public_url=PUBLIC
    )
    app = create_app(web_settings, TemporalGateway(client), clock=lambda: clock_now[-1])
    try:
        async with worker(client, engine_activities(client, store, [path])) as queue:
            handle = await client.start_workflow(
                UnitDeadlineWorkflow.run,
                inp,
                id=wid,
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            state = await handle.query(UnitDeadlineWorkflow.state)
            reminder_at = min(s.at for s in state.pending_steps)
            await sleep_until(env, reminder_at + timedelta(minutes=5))  # type: ignore[arg-type]
            clock_now.append(await env.get_current_time())  # type: ignore[attr-defined]

            # 1. The focal point (email only) opens the reminder and asks for more days.
            reminder = await outbox.deliver(wid, "reminder", "a@thu.example")
            ask = _link(_plain(reminder), "Xin gia hạn tại:")
            assert ask.startswith("/nop/")
            async with browser(app) as focal:
                page, token = await _form(focal, ask)
                assert f'action="{ask}/gia-han"' in page
                asked = await focal.post(
                    f"{ask}/gia-han",
                    data={"csrf_token": token, "days": "10", "reason": "Chờ số liệu quý"},
                )
            assert asked.status_code == 200, asked.text
            assert "Đã gửi đề nghị gia hạn 10 ngày" in asked.text

            # 2. The coordinator opens the request email and approves from its link.
            request = await outbox.deliver(wid, "extension_requested", COORDINATOR)
            decide = _link(_plain(request), "Đồng ý hoặc từ chối tại:")
            # who asked, and the last day a yes gives, before the decision
            assert "(người đề nghị: Trần Văn A)" in _plain(request)
            assert "Nếu đồng ý, hạn mới là hết ngày " in _plain(request)
            assert re.search(r"/extensions#ext-\d+\s", _plain(request))  # its own row
            assert decide == "/extensions"
            async with browser(app) as coordinator:
                _, token = await _form(coordinator, "/login")
                login = await coordinator.post(
                    "/login",
                    data={"email": COORDINATOR, "password": PASSWORD, "csrf_token": token},
                )
                assert login.status_code == 303
                queue_page, token = await _form(coordinator, decide)
                assert "Chờ số liệu quý" in queue_page and "Trần Văn A" in queue_page
                action = re.search(r'action="(/extensions/\d+/decide)"', queue_page)
                assert action, queue_page
                decided = await coordinator.post(
                    action.group(1), data={"csrf_token": token, "decision": "approve"}
                )
                assert decided.status_code == 303, decided.text
                decision = await outbox.deliver(wid, "extension_decided", "a@thu.example")

                # 3. The next reminder, on the new timeline: every output says the same.
                state = await handle.query(UnitDeadlineWorkflow.state)
                assert state.status == "extended", state.status
                upcoming = [s for s in state.pending_steps if s.kind == "remind"]
                await sleep_until(env, upcoming[0].at + timedelta(minutes=5))  # type: ignore[arg-type]
                now = await env.get_current_time()  # type: ignore[attr-defined]
                clock_now.append(now)
                next_reminder = await outbox.deliver(wid, "reminder", "a@thu.example")
                with store.read() as session:
                    row = session.scalars(
                        sa.select(UnitDeadline).where(UnitDeadline.workflow_id == wid)
                    ).one()
                    unit_id = session.scalar(sa.select(Unit.id).where(Unit.key == "unit-a"))
                    due_at = row.due_at
                new_day = present.last_day(due_at)
                assert new_day > present.last_day(row.legal_end_at)
                today = now.astimezone(present.TZ).date()
                due = present.due_text(new_day)
                days = present.days_text(new_day, today)
                left = present.days_left(new_day, today)
                unit_page = (await coordinator.get(f"/units/{unit_id}")).text
                matrix = (await coordinator.get(f"/matrix?year={year}&format=xlsx")).content
            async with browser(app) as focal:
                submit_page = (await focal.get(ask)).text
    finally:
        app.state.hanchot.engine.dispose()  # type: ignore[attr-defined]

    outputs = {
        "reminder email": _plain(next_reminder),
        "decision email": _plain(decision),
        "submit page": submit_page,
        "unit page": unit_page,
        "status": await _status(store, client),
    }
    for name, text in outputs.items():
        assert due in text, f"{name} does not say {due!r}:\n{text}"
    assert f"Hạn mới: {due}." in outputs["decision email"]
    # Days left by the one rule, in every output that says it
    assert f"Còn {left} ngày đến hạn cuối." in outputs["reminder email"]
    for name in ("submit page", "unit page"):
        assert days in outputs[name], f"{name} does not say {days!r}"
    # The command line counts to the wall clock's today, not the time-skipping server's
    wall_today = datetime.now(present.TZ).date()
    assert present.days_text(new_day, wall_today) in outputs["status"]
    assert "đã nhắc 2 lần, đôn đốc 0 lần" in outputs["status"]
    sheet = openpyxl.load_workbook(io.BytesIO(matrix)).active
    header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    column = next(i for i, h in enumerate(header) if str(h).endswith(": hạn cuối (hết ngày)"))
    [cell] = [r[column] for r in body if r[0] == "unit-a"]
    assert cell.date() == new_day


async def _status(store: StoreAccess, client: object) -> str:
    """`hanchot status unit-a`, in-process, against the same store and engine."""
    from hanchot.cli import app

    address = client.service_client.config.target_host  # type: ignore[attr-defined]
    env = {
        "HANCHOT_DATABASE_URL": str(store.engine.url),
        "HANCHOT_TEMPORAL_ADDRESS": address,
        "COLUMNS": "300",
    }
    result = await asyncio.to_thread(CliRunner().invoke, app, ["status", "unit-a"], env=env)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())
