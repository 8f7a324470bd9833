"""The Excel import in Chromium on a phone (390x844): a coordinator uploads a workbook with
one bad row and reads which cell is wrong, uploads the fixed file, reads the preview and
publishes; no step scrolls sideways. Screenshots: test-artifacts/browser/import-units-*.png.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from activities import unit_import
from activities.publishing import publish_document
from config.workbook import UNITS
from store import db, migrate, revisions
from tests.config.workbooks import filled, new_communes
from tests.web.browser import ARGS, free_port, require_chromium, screenshot_path
from tests.web.conftest import ACCOUNTS, PASSWORD
from tests.web.support import RecordingGateway
from tests.web.test_import_units import document
from web.accounts import create_account
from web.app import create_app
from web.server import serving
from web.settings import WebSettings

pytestmark = pytest.mark.asyncio(loop_scope="module")
PHONE = {"width": 390, "height": 844}


class Site:
    def __init__(self, base: str, url: str, template: bytes) -> None:
        self.base, self.url, self.template = base, url, template


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    data = tmp_path_factory.mktemp("import-phone")
    url = f"sqlite:///{data / 'hanchot.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_document(session, document(), source="yaml", author="cli:test")
    with db.session_factory(engine)() as session:
        template = unit_import.template(session, "tinh-thu")
    email, role, scope = ACCOUNTS["coordinator"]
    create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    settings = WebSettings(database_url=url, secret="b" * 40, data_dir=data)
    async with serving(create_app(settings, RecordingGateway()), port=free_port()) as base:
        yield Site(base, url, template)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = require_chromium()
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=path, args=ARGS)
        yield chromium
        await chromium.close()


async def _wide(page: Page) -> bool:
    scroll = await page.evaluate("document.scrollingElement.scrollWidth")
    return int(scroll) > int(await page.evaluate("window.innerWidth"))


async def _upload(page: Page, tmp: Path, name: str, data: bytes) -> None:
    path = tmp / name
    path.write_bytes(data)
    await page.set_input_files("input[name=file]", str(path))
    await page.click("button:has-text('Xem trước')")


async def test_upload_fix_and_publish_on_a_phone(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    context = await browser.new_context(base_url=site.base, viewport=PHONE, locale="vi-VN")  # type: ignore[arg-type]
    page = await context.new_page()
    page.set_default_timeout(15_000)
    await page.goto("/")
    await page.fill("input[name=email]", ACCOUNTS["coordinator"][0])
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.click("nav >> text=Nhập Excel")
    await expect(page.locator("h1")).to_have_text("Nhập đơn vị và người từ Excel")
    await page.screenshot(path=screenshot_path("import-units-390"), full_page=True)
    assert not await _wide(page)

    rows = new_communes(12, "huyen-b", set())
    rows[UNITS][4]["parent"] = "huyen-c"  # no such district: sheet row 6
    await _upload(page, tmp_path, "xa-moi.xlsx", filled(site.template, rows))
    await expect(page.locator("p.error")).to_contain_text("Tệp có 1 lỗi")
    issue = page.locator("table.issues tbody tr").first
    await expect(issue).to_contain_text("Đơn vị")
    await expect(issue).to_contain_text("D (Mã đơn vị cấp trên)")
    await expect(issue).to_contain_text("'huyen-c'")
    await page.screenshot(path=screenshot_path("import-units-errors-390"), full_page=True)
    assert not await _wide(page)

    rows[UNITS][4]["parent"] = "huyen-b"
    await _upload(page, tmp_path, "xa-moi-da-sua.xlsx", filled(site.template, rows))
    await expect(page.locator("#xem-truoc")).to_contain_text("24 dòng dữ liệu")
    await expect(page.locator("#xem-truoc")).to_contain_text("Người: thêm 12, sửa 0.")
    await page.screenshot(path=screenshot_path("import-units-preview-390"), full_page=True)
    assert not await _wide(page)
    counts = page.locator("table.counts")
    box, card = await counts.bounding_box(), await page.locator("#xem-truoc").bounding_box()
    assert box and card and box["x"] + box["width"] <= card["x"] + card["width"], "counts fit"
    assert await counts.evaluate("t => t.scrollWidth <= t.clientWidth"), "no column hidden"
    await page.click("button:has-text('Công bố phiên bản 2')")
    await expect(page.locator("p.ok")).to_contain_text("Đã công bố phiên bản 2 từ tệp Excel")
    await page.screenshot(path=screenshot_path("import-units-published-390"), full_page=True)
    assert not await _wide(page)
    await context.close()

    engine = db.create_engine(site.url)
    try:
        with db.session_factory(engine)() as session:
            latest = revisions.latest(session, "tinh-thu")
            assert latest is not None and (latest.number, latest.source) == (2, "import")
            assert len([u for u in latest.document["units"] if u.get("parent") == "huyen-b"]) == 15
    finally:
        engine.dispose()


async def test_the_errors_on_a_desktop(browser: Browser, site: Site, tmp_path: Path) -> None:
    context = await browser.new_context(
        base_url=site.base, viewport={"width": 1280, "height": 800}, locale="vi-VN"
    )
    page = await context.new_page()
    page.set_default_timeout(15_000)
    await page.goto("/import-units")
    await page.fill("input[name=email]", ACCOUNTS["coordinator"][0])
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    rows = new_communes(3, "huyen-a", set())
    rows[UNITS][0]["opened"] = "30/02/2026"
    rows[UNITS][2]["kind"] = ""
    await _upload(page, tmp_path, "sai.xlsx", filled(site.template, rows))
    issues = page.locator("table.issues tbody tr")
    await expect(issues).to_have_count(2)
    await expect(issues.first).to_contain_text("G (Ngày thành lập)")
    await expect(issues.last).to_contain_text("C (Loại đơn vị)")
    await page.screenshot(path=screenshot_path("import-units-errors-1280"), full_page=True)
    assert not await _wide(page)
    await context.close()
