"""Done when (issue 17): in Chromium, at 1280×800 and at 390×844, a coordinator adds a
commune and its focal point, replaces another commune's focal point, closes a third with
a successor, previews and publishes; without restarting anything the running engine (a
real worker and its revision watcher on Temporal's time-skipping server) opens the new
commune's deadline, and the next reminder reaches the new focal point through real SMTP
on loopback. Screenshots of each step go under the test's tmp dir (and test-artifacts/).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.async_api import Browser, Page, async_playwright, expect

from activities.cycles import find_plan
from activities.snapshot import freeze
from boundary.types import CycleInput, CycleRef
from config.loader import load_calendar_text
from hanchot.gateway import TemporalGateway
from hanchot.revision_watch import revision_watcher
from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.settings import NotifierSettings, Secret, SmtpSettings, TelegramSettings
from store import revisions
from store.models import OutboxMessage, Unit, WebRole
from tests.fakes.smtp import FakeSMTP
from tests.web.browser import ARGS, free_port, require_chromium, screenshot_path
from tests.web.support import RecordingGateway
from tests.workflows.support import (
    cycle_opened,
    engine_activities,
    env_year,
    publish,
    run_timeout,
    sleep_until,
    sqlite_store,
    time_skipping,
    until,
    worker,
)
from web.accounts import create_account
from web.app import create_app
from web.server import serving
from web.settings import WebSettings
from workflows.cycle import Cycle
from workflows.unit_deadline import UnitDeadline

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

EMAIL, PASSWORD = "dieuphoi@xa.example", "mat-khau-du-dai-7"
SECRET = "s" * 40
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = """\
calendar: {{id: xa, name: Lịch báo cáo các xã}}
organisation: {{id: ubnd-tinh, name: UBND tỉnh Thử}}
defaults: {{reminders: [-7d, -3d, -1d, 0d], open_before: 30d}}
people:
  - {{id: coord, name: Nguyễn Thị Điều Phối, email: coord@xa.example}}
  - {{id: fp-a, name: Trần Văn A, email: a@xa.example}}
  - {{id: fp-b, name: Phạm Thị B, email: b@xa.example}}
  - {{id: fp-c, name: Đỗ Văn C, email: c@xa.example}}
units:
  - {{id: tinh, name: UBND tỉnh Thử, kind: province}}
  - {{id: so-noi-vu, name: Sở Nội vụ, kind: office, parent: tinh, focal_point: coord}}
  - {{id: xa-a, name: UBND xã An Bình, kind: commune, parent: tinh, focal_point: fp-a}}
  - {{id: xa-b, name: UBND xã Bắc Sơn, kind: commune, parent: tinh, focal_point: fp-b}}
  - {{id: xa-c, name: UBND xã Cao Lộc, kind: commune, parent: tinh, focal_point: fp-c}}
obligations:
  - id: bc-6-thang
    name: Báo cáo 6 tháng về bình đẳng giới
    period: semiannual
    due: {{H1: before 15/06}}
    submitters: {{kinds: [commune]}}
    receiver: so-noi-vu
"""
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


class Shots:
    """Each step's screenshot, under the test's tmp dir and in test-artifacts/."""

    def __init__(self, tmp: Path, prefix: str) -> None:
        self.dir, self.prefix, self.n = tmp / "screenshots", prefix, 0
        self.dir.mkdir(exist_ok=True)

    async def __call__(self, page: Page, name: str) -> None:
        self.n += 1
        label = f"{self.prefix}-{self.n:02d}-{name}"
        await page.screenshot(path=str(self.dir / f"{label}.png"), full_page=True)
        await page.screenshot(path=screenshot_path(label), full_page=True)
        fits = await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        assert fits, f"{label}: the page scrolls sideways"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    path = require_chromium()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def login(page: Page, path: str) -> None:
    await page.goto(path)
    await page.fill("input[name=email]", EMAIL)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")


async def fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        await page.locator(f".editor-form [name={name}]").fill(value)


async def save(page: Page) -> None:
    await page.get_by_role("button", name="Lưu vào bản nháp").click()
    await expect(page.get_by_role("status")).to_contain_text("Đã lưu vào bản nháp")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_a_coordinator_changes_the_communes_and_the_engine_follows(
    tmp_path: Path, viewport: str
) -> None:
    smtp = FakeSMTP().start()
    notifier = NotifierSettings(
        secret=Secret(SECRET),
        data_dir=tmp_path,
        public_url="http://127.0.0.1:8000",
        smtp=SmtpSettings(
            sender="Hạn chót <hanchot@xa.example>",
            timeout=5.0,
            host="127.0.0.1",
            port=smtp.port,
            security="none",
        ),
        telegram=TelegramSettings(timeout=1.0),
    )
    registry = Registry([EmailChannel(notifier.smtp)])
    try:
        async with time_skipping() as env, chromium() as browser:
            await _scenario(env, browser, tmp_path, viewport, notifier, registry, smtp)
    finally:
        await registry.aclose()
        smtp.stop()


async def _scenario(
    env: object,
    browser: Browser,
    tmp: Path,
    viewport: str,
    notifier: NotifierSettings,
    registry: Registry,
    smtp: FakeSMTP,
) -> None:
    client = env.client  # type: ignore[attr-defined]
    year = await env_year(env)  # type: ignore[arg-type]
    path = tmp / "xa.yaml"
    path.write_text(CALENDAR.format(), encoding="utf-8")
    calendar = load_calendar_text(path.read_text(encoding="utf-8"), str(path))
    ref = CycleRef("xa", "bc-6-thang", f"{year}-H1")
    frozen = freeze(calendar, find_plan(calendar, ref))
    store = sqlite_store(tmp)
    create_account(store.engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
    clock: list[datetime] = []
    deliverer = Deliverer(store, registry, notifier, clock=lambda: clock[-1])
    async with worker(client, engine_activities(client, store, [path])) as queue:
        await sleep_until(env, frozen.snapshot.opens_at + timedelta(hours=1))  # type: ignore[arg-type]
        await client.start_workflow(
            Cycle.run,
            CycleInput(ref),
            id=ref.workflow_id,
            task_queue=queue,
            execution_timeout=run_timeout(),
        )
        await cycle_opened(client, ref.workflow_id, 3)
        clock.append(await env.get_current_time())  # type: ignore[attr-defined]
        today = clock[-1].astimezone(VN).date()
        settings = WebSettings(database_url=str(store.engine.url), secret=SECRET, data_dir=tmp)
        app = create_app(settings, TemporalGateway(client), clock=lambda: clock[-1])
        width, height = VIEWPORTS[viewport]
        shot = Shots(tmp, f"editor-{viewport}")
        async with (
            revision_watcher(client, store, queue, interval=0.2),
            serving(app, port=free_port()) as base,
        ):
            context = await browser.new_context(
                base_url=base, viewport={"width": width, "height": height}
            )
            page = await context.new_page()
            page.set_default_timeout(20_000)
            await login(page, "/")
            await page.get_by_role("link", name="Sửa lịch").click()
            await expect(page.locator("h1")).to_have_text("Sửa lịch: Lịch báo cáo các xã")
            await shot(page, "draft")

            # 1. A new commune and its focal point: the person first, then the unit.
            await page.get_by_role("link", name="Thêm người").click()
            await fill(
                page,
                {
                    "id": "fp-moi",
                    "name": "Lò Thị Mới",
                    "email": "moi@xa.example",
                    "phone": "0912 345 678",
                },
            )
            await shot(page, "new-person")
            await save(page)
            await page.get_by_role("link", name="Thêm đơn vị").click()
            await fill(
                page,
                {
                    "id": "xa-moi",
                    "name": "UBND xã Tân Lập",
                    "kind": "commune",
                    "parent": "tinh",
                    "focal_point": "fp-moi",
                },
            )
            await save(page)

            # 2. Another commune's focal point replaced; a typo is refused beside its field.
            await page.get_by_role("link", name="Thêm người").click()
            await fill(
                page,
                {
                    "id": "fp-thay",
                    "name": "Hà Văn Thay",
                    "email": "thay@xa.example",
                    "focal_of": "xa-a",
                },
            )
            await save(page)
            await page.locator("#don-vi tr", has_text="xa-a)").get_by_role("link").click()
            await fill(page, {"focal_point": "fp-thya"})
            await page.get_by_role("button", name="Lưu vào bản nháp").click()
            error = page.locator("#f-focal_point .field-error")
            await expect(error).to_contain_text("người 'fp-thya' không có trong people")
            await shot(page, "error-beside-field")
            await fill(page, {"focal_point": "fp-thay"})
            await save(page)

            # 3. A commune closed today, xa-b reporting in its place.
            await page.locator("#don-vi tr", has_text="xa-c)").get_by_role("link").click()
            await fill(page, {"closed": f"{today:%d/%m/%Y}", "successor": "xa-b"})
            await shot(page, "close-commune")
            await save(page)
            changes = page.locator("#thay-doi")
            await expect(changes).to_contain_text("Đơn vị UBND xã Tân Lập (xa-moi): thêm")
            await expect(changes).to_contain_text(
                "đầu mối thứ 1: Trần Văn A (fp-a) → Hà Văn Thay (fp-thay)"
            )
            await expect(changes).to_contain_text(f"ngày giải thể: (trống) → {today:%d/%m/%Y}")
            await shot(page, "draft-changes")

            # 4. Preview: what the running engine will do.
            await page.get_by_role("link", name="Xem trước").click()
            preview = page.locator("#xem-truoc")
            await expect(preview).to_contain_text(
                "bắt đầu theo dõi UBND xã Tân Lập (xa-moi) trong Báo cáo 6 tháng về bình đẳng giới"
            )
            await expect(preview).to_contain_text("dừng nhắc UBND xã Cao Lộc (xa-c)")
            await expect(preview).to_contain_text(
                "Hà Văn Thay (fp-thay): thành đầu mối của UBND xã An Bình"
            )
            await shot(page, "preview")
            await page.get_by_role("button", name="Công bố").click()
            await expect(page.get_by_role("status")).to_contain_text("Đã công bố phiên bản 2")
            await expect(page.locator("#phien-ban-2")).to_contain_text(f"web:{EMAIL}")
            await shot(page, "published")

            # 5. The running engine applies it: no restart, only its revision watcher.
            def applied() -> bool:
                with store.read() as session:
                    head = revisions.latest(session, "xa")
                    return head is not None and head.number == 2 and head.applied_at is not None

            await until(lambda: asyncio.to_thread(applied), "revision 2 applied")
            await page.reload()
            await expect(page.locator("#phien-ban-2")).to_contain_text("hệ thống đã áp dụng")
            await shot(page, "applied")
            with store.read() as session:
                unit_id = session.scalar(sa.select(Unit.id).where(Unit.key == "xa-a"))
            await page.goto(f"/units/{unit_id}")
            await page.get_by_role("link", name="Lịch sử đơn vị").click()
            latest = page.locator(".revision").first
            await expect(latest).to_contain_text("Phiên bản 2")
            await expect(latest).to_contain_text(
                "đầu mối: Trần Văn A (fp-a) → Hà Văn Thay (fp-thay)"
            )
            await shot(page, "unit-history")
            await context.close()

        new = client.get_workflow_handle_for(
            UnitDeadline.run, frozen.snapshot.deadline_id("xa-moi")
        )
        state = await new.query(UnitDeadline.state)
        assert not state.finished and state.pending_steps, "the new commune's deadline is open"
        closed = await client.get_workflow_handle_for(
            UnitDeadline.run, frozen.snapshot.deadline_id("xa-c")
        ).query(UnitDeadline.state)
        assert closed.status == "excused" and not closed.pending_steps
        replaced = client.get_workflow_handle_for(
            UnitDeadline.run, frozen.snapshot.deadline_id("xa-a")
        )
        first = min(s.at for s in (await replaced.query(UnitDeadline.state)).pending_steps)
        await sleep_until(env, first + timedelta(minutes=5))  # type: ignore[arg-type]
        clock.append(await env.get_current_time())  # type: ignore[attr-defined]
        for unit in ("xa-a", "xa-moi"):
            wid = frozen.snapshot.deadline_id(unit)

            def step(wid: str = wid) -> str | None:
                with store.read() as session:
                    return session.scalar(
                        sa.select(OutboxMessage.step).where(
                            OutboxMessage.workflow_id == wid,
                            OutboxMessage.payload["kind"].as_string() == "reminder",
                        )
                    )

            await until(lambda step=step: asyncio.to_thread(lambda: step() is not None), wid)
            await deliverer.deliver_step(wid, str(await asyncio.to_thread(step)))
    assert len(smtp.to("thay@xa.example")) == 1, "the next reminder goes to the new focal point"
    assert smtp.to("a@xa.example") == [], "not to the one replaced"
    assert len(smtp.to("moi@xa.example")) == 1, "the new commune's focal point is reminded"
    assert smtp.to("c@xa.example") == [], "the closed commune gets nothing"
    assert "UBND xã Tân Lập" in smtp.to("moi@xa.example")[0]["Subject"] + str(
        smtp.to("moi@xa.example")[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    )


async def test_the_second_of_two_publishers_is_refused_and_keeps_his_draft(
    tmp_path: Path,
) -> None:
    path = tmp_path / "xa.yaml"
    path.write_text(CALENDAR.format(), encoding="utf-8")
    store = sqlite_store(tmp_path)
    publish(store, [path])
    other = "dieuphoi.hai@xa.example"
    create_account(store.engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
    create_account(store.engine, other, WebRole.COORDINATOR, None, password=PASSWORD)
    settings = WebSettings(database_url=str(store.engine.url), secret=SECRET, data_dir=tmp_path)
    app = create_app(settings, RecordingGateway())
    async with chromium() as browser, serving(app, port=free_port()) as base:
        pages = []
        for who, viewport in ((EMAIL, "desktop"), (other, "phone")):
            width, height = VIEWPORTS[viewport]
            context = await browser.new_context(
                base_url=base, viewport={"width": width, "height": height}
            )
            page = await context.new_page()
            page.set_default_timeout(20_000)
            await page.goto("/editor")
            await page.fill("input[name=email]", who)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page.locator(".sub").first).to_contain_text("dựa trên phiên bản 1")
            pages.append(page)
        first, second = pages
        shot_first, shot_second = (
            Shots(tmp_path, "conflict-desktop"),
            Shots(tmp_path, "conflict-phone"),
        )

        await first.get_by_role("link", name="Sửa", exact=True).last.click()  # days off
        await fill(first, {"days_off": "02/09/2027 Nghỉ thêm Quốc khánh"})
        await save(first)
        await second.locator("#don-vi tr", has_text="xa-b)").get_by_role("link").click()
        await fill(second, {"name": "UBND xã Bắc Sơn Mới"})
        await save(second)
        await first.get_by_role("button", name="Công bố").click()
        await expect(first.get_by_role("status")).to_contain_text("Đã công bố phiên bản 2")
        await shot_first(first, "published")

        await second.get_by_role("button", name="Công bố").click()
        refusal = second.locator("#xung-dot")
        await expect(refusal).to_contain_text("Chưa công bố")
        await expect(refusal).to_contain_text("dựa trên phiên bản 1, mới nhất là 2")
        await expect(refusal).to_contain_text(f"Phiên bản 2 — web:{EMAIL}")
        await expect(refusal).to_contain_text("Nghỉ thêm Quốc khánh")
        await expect(second.locator("#thay-doi")).to_contain_text("UBND xã Bắc Sơn Mới")
        await shot_second(second, "refused")
        await second.get_by_role("button", name="Chuyển bản nháp lên phiên bản mới nhất").click()
        await expect(second.get_by_role("status")).to_contain_text("Đã chuyển bản nháp")
        await shot_second(second, "rebased")
        await second.get_by_role("button", name="Công bố").click()
        await expect(second.get_by_role("status")).to_contain_text("Đã công bố phiên bản 3")
        await shot_second(second, "published")
    with store.read() as session:
        head = revisions.latest(session, "xa")
        assert head is not None and head.number == 3 and head.author == f"web:{other}"
        names = {u["id"]: u["name"] for u in head.document["units"]}
        assert names["xa-b"] == "UBND xã Bắc Sơn Mới"
        assert head.document["days_off"] == [{"date": "02/09/2027", "name": "Nghỉ thêm Quốc khánh"}]
