"""Every dashboard page on a desktop (1280x800) and a phone (390x844) in Chromium: no
page-level sideways scrolling (wide tables scroll inside their own box, the unit name
pinned), the overview leading with what is overdue, a coordinator deciding an extension
on the phone, and the overview following a change without a reload. Screenshots go to
test-artifacts/browser/ (`<page>-<width>.png`) for a person to look at.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
import sqlalchemy as sa
from playwright.async_api import Browser, Page, async_playwright, expect

from deadlines.expected import DeadlineStatus
from store import db, migrate
from store.models import Cycle, Unit, UnitDeadline
from store.submit_links import make_token
from tests.web.browser import ARGS, free_port, require_chromium, screenshot_path
from tests.web.conftest import ACCOUNTS, PASSWORD
from tests.web.factory import Builder, Filled, fill, legal_end
from tests.web.support import RecordingGateway
from web.accounts import create_account
from web.app import create_app
from web.server import serving
from web.settings import WebSettings

pytestmark = pytest.mark.asyncio(loop_scope="module")
SECRET = "p" * 40
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


class Site:
    def __init__(self, base: str, url: str, filled: Filled, gateway: RecordingGateway) -> None:
        self.base, self.url, self.filled, self.gateway = base, url, filled, gateway


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    data = tmp_path_factory.mktemp("phone")
    url = f"sqlite:///{data / 'hanchot.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        filled = fill(session, data)
    email, role, scope = ACCOUNTS["coordinator"]
    create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    gateway = RecordingGateway()
    settings = WebSettings(database_url=url, secret=SECRET, data_dir=data)
    async with serving(create_app(settings, gateway), port=free_port()) as base:
        yield Site(base, url, filled, gateway)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = require_chromium()
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=path, args=ARGS)
        yield chromium
        await chromium.close()


async def open_page(browser: Browser, site: Site, size: dict[str, int]) -> Page:
    context = await browser.new_context(base_url=site.base, viewport=size, locale="vi-VN")  # type: ignore[arg-type]
    page = await context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda d: d.accept())
    await page.goto("/")
    await page.fill("input[name=email]", ACCOUNTS["coordinator"][0])
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("h1")).to_be_visible()
    return page


async def sideways(page: Page) -> tuple[int, int]:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    inner = await page.evaluate("window.innerWidth")
    return int(width), int(inner)


def unit_id(site: Site, key: str) -> int:
    engine = db.create_engine(site.url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(Unit.id).where(Unit.key == key)))
    finally:
        engine.dispose()


def cycle_id(site: Site, workflow_id: str) -> int:
    engine = db.create_engine(site.url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(Cycle.id).where(Cycle.workflow_id == workflow_id)))
    finally:
        engine.dispose()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_no_page_scrolls_sideways(browser: Browser, site: Site, size: dict[str, int]) -> None:
    page = await open_page(browser, site, size)
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    pages = {
        "overview": "/?year=2025",
        "matrix": "/matrix?year=2025",
        "unit": f"/units/{unit_id(site, 'xa-a2')}",
        "cycle": f"/cycles/{cycle_id(site, 'cycle/tinh-thu/bc-xa/2025-H1')}",
        "extensions": "/extensions",
        "outbox": "/outbox",
        "plan": "/plan",
        "chart": "/chart",
        "quarantine": "/quarantine",
        "submit": f"/nop/{make_token(SECRET, wid, person='fp-xa-a2')}",
    }
    wide = {}
    for name, path in pages.items():
        await page.goto(path)
        await expect(page.locator("h1")).to_be_visible()
        await page.screenshot(path=screenshot_path(f"{name}-{size['width']}"), full_page=True)
        scroll, inner = await sideways(page)
        if scroll > inner:
            wide[name] = (scroll, inner)
    assert not wide, f"pages wider than the screen (scrollWidth, innerWidth): {wide}"
    await page.context.close()


async def test_the_matrix_keeps_unit_and_status_on_the_phone(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, PHONE)
    await page.goto("/matrix?year=2025")
    row = page.locator("#matrix-table tbody tr").filter(has=page.locator("td.cell")).last
    unit_cell = row.locator("td.unit")
    box = page.locator("#matrix .scroll")
    await box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")  # the last column in view
    status = row.locator("td.cell").last
    for cell in (unit_cell, status):
        place = await cell.bounding_box()
        assert place is not None and place["x"] >= 0 and place["x"] + 10 <= PHONE["width"]
    await page.screenshot(path=screenshot_path("matrix-390-scrolled"))
    await page.context.close()


async def test_the_overview_leads_with_what_is_overdue(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, DESKTOP)
    await page.goto("/?year=2025")
    table = page.locator("#cycles")
    await expect(table.locator("thead")).to_contain_text("Quá hạn")
    row = table.locator("tbody tr", has_text="Báo cáo 6 tháng cấp xã").first
    await expect(row.locator("td.overdue")).to_have_text("2")
    await page.context.close()


async def test_a_coordinator_decides_an_extension_on_the_phone(
    browser: Browser, site: Site
) -> None:
    page = await open_page(browser, site, PHONE)
    await page.goto("/extensions")
    row = page.locator("#extensions tbody tr").first
    approve = row.get_by_role("button", name="Đồng ý")
    await approve.scroll_into_view_if_needed()
    place = await approve.bounding_box()
    assert place is not None
    assert place["x"] >= 0 and place["x"] + place["width"] <= PHONE["width"], place
    await page.screenshot(path=screenshot_path("extensions-390-decide"))
    await approve.click()
    await expect(page.get_by_role("status")).to_have_text("Đã đồng ý gia hạn.")
    assert [c[0] for c in site.gateway.calls] == ["decide_extension"]
    await page.context.close()


async def test_the_overview_follows_a_change_without_reload(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, DESKTOP)
    await page.goto("/?year=2025")
    cell = page.locator("#cycles tbody tr", has_text="Báo cáo 6 tháng cấp xã").first.locator(
        "td.overdue"
    )
    before = int(await cell.inner_text())
    engine = db.create_engine(site.url)
    try:
        with engine.begin() as conn:
            wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
            conn.execute(
                sa.update(UnitDeadline)
                .where(UnitDeadline.workflow_id == wid)
                .values(status=DeadlineStatus.SUBMITTED_LATE)
            )
    finally:
        engine.dispose()
    await expect(cell).to_have_text(str(before - 1), timeout=4_000)
    await page.context.close()


async def test_the_matrix_follows_a_change_and_keeps_its_scroll(
    browser: Browser, site: Site
) -> None:
    page = await open_page(browser, site, PHONE)
    await page.goto("/matrix?year=2025")
    box = page.locator("#matrix-box")
    await box.evaluate("b => { b.scrollLeft = 120; }")
    row = page.locator("#matrix-table tbody tr", has_text="UBND xã B1")
    await expect(row).not_to_contain_text("Được miễn")
    engine = db.create_engine(site.url)
    try:
        with engine.begin() as conn:
            wid = site.filled.deadlines[("bc-nam", "2025", "xa-b1")]
            conn.execute(
                sa.update(UnitDeadline)
                .where(UnitDeadline.workflow_id == wid)
                .values(status=DeadlineStatus.EXCUSED)
            )
    finally:
        engine.dispose()
    await expect(row).to_contain_text("Được miễn", timeout=5_000)
    assert await page.locator("#matrix-box").evaluate("b => b.scrollLeft") == 120
    await page.context.close()


async def test_the_unit_timeline_follows_a_submission(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, PHONE)
    await page.goto(f"/units/{unit_id(site, 'xa-a1')}")
    timeline = page.locator("#timeline")
    await expect(timeline).not_to_contain_text("99/BC-PHONE")
    engine = db.create_engine(site.url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            builder = Builder(session)
            wid = site.filled.deadlines[("bc-nam", "2025", "xa-a1")]
            builder.seq[wid] = 100
            at = legal_end("2025") - timedelta(days=2)
            builder.event(
                "bc-nam",
                "2025",
                "xa-a1",
                "submitted",
                "submitted_on_time",
                "fp-xa-a1",
                at,
                submission={"at": at, "channel": "web", "document_number": "99/BC-PHONE"},
            )
    finally:
        engine.dispose()
    await expect(timeline).to_contain_text("99/BC-PHONE", timeout=5_000)
    await page.context.close()
