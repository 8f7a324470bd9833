"""The dashboard in a real browser over the filled store: login, the matrix's filters, an
export downloaded and read back, and a hostile unit name that stays text.

Actions here go to a recording gateway; tests/web/test_browser_workflows.py drives the
same pages against real workflows.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import pytest_asyncio
import sqlalchemy as sa
from playwright.async_api import Browser, Page, async_playwright, expect

from store import db, migrate
from store.enums import InboundChannel, InboundOutcome
from store.models import InboundMessage
from tests.web.browser import ARGS, free_port, require_chromium, screenshot_path
from tests.web.conftest import ACCOUNTS, PASSWORD
from tests.web.factory import XSS, fill
from tests.web.support import RecordingGateway
from web.accounts import create_account
from web.app import create_app
from web.server import serving
from web.settings import WebSettings

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir of the site below (its store is `hanchot.db` in it)."""
    return tmp_path_factory.mktemp("browser")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def base_url(store_dir: Path) -> AsyncIterator[str]:
    data = store_dir
    url = f"sqlite:///{data / 'hanchot.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        fill(session, data)
    email, role, scope = ACCOUNTS["coordinator"]
    create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    settings = WebSettings(database_url=url, secret="b" * 40, data_dir=data)
    async with serving(create_app(settings, RecordingGateway()), port=free_port()) as base:
        yield base


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = require_chromium()
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=path, args=ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, base_url: str) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=base_url, accept_downloads=True, locale="vi-VN")
    tab = await context.new_page()
    tab.set_default_timeout(15_000)
    tab.dialogs = []  # type: ignore[attr-defined]
    tab.on("dialog", lambda d: tab.dialogs.append(d.message))  # type: ignore[attr-defined]
    yield tab
    await context.close()


async def log_in(page: Page, password: str = PASSWORD) -> None:
    await page.goto("/matrix")
    await page.fill("input[name=email]", ACCOUNTS["coordinator"][0])
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")


async def test_login(page: Page) -> None:
    await page.goto("/")
    assert "/login" in page.url
    await log_in(page, "sai-mat-khau-1")
    await expect(page.get_by_role("alert")).to_have_text("Email hoặc mật khẩu không đúng.")
    await page.screenshot(path=screenshot_path("login-refused"))
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Ma trận theo dõi")
    assert page.url.endswith("/matrix")  # back where the login was asked for
    await expect(page.locator("header .who")).to_contain_text("Cán bộ điều phối")


async def test_matrix_with_filters(page: Page) -> None:
    await log_in(page)
    await page.select_option("select[name=year]", "2025")
    rows = page.locator("#matrix-table tbody tr")
    await expect(rows).to_have_count(10)
    await page.select_option("select[name=kind]", "district")
    await expect(rows).to_have_count(2)
    assert "kind=district" in page.url  # htmx pushed the filters into the address
    await page.select_option("select[name=kind]", "")
    await page.select_option("select[name=status]", "at_risk")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("UBND huyện A")
    await expect(rows.first).to_contain_text("Có nguy cơ trễ")
    await page.select_option("select[name=status]", "overdue")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#matrix-table")).to_contain_text(XSS)  # shown as text
    await page.screenshot(path=screenshot_path("matrix-overdue"), full_page=True)
    assert page.dialogs == []  # type: ignore[attr-defined]


async def test_downloading_an_export_and_reading_it_back(page: Page, tmp_path: Path) -> None:
    await log_in(page)
    await page.goto("/?year=2025")
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Excel (.xlsx)").click()
    download = await info.value
    assert download.suggested_filename.startswith("ky-bao-cao-2025-")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    sheet = openpyxl.load_workbook(io.BytesIO(saved.read_bytes())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    commune = dict(
        zip(header, next(r for r in rows if r[0] == "Báo cáo 6 tháng cấp xã"), strict=True)
    )
    assert (commune["Phải nộp"], commune["Đã nộp"], commune["Đúng hạn"]) == (5, 3, 2)
    page_rate = (
        await page.locator("#cycles tr", has_text="cấp xã").locator("td.num").nth(5).inner_text()
    )
    assert page_rate == "60,0%" and commune["Tỷ lệ báo cáo"] == pytest.approx(0.6)
    await page.screenshot(path=screenshot_path("overview"), full_page=True)


async def test_a_hostile_unit_name_never_runs(page: Page) -> None:
    await log_in(page)
    await page.goto("/extensions")
    await expect(page.locator("#extensions")).to_contain_text(XSS)
    await page.get_by_role("link", name=XSS).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(XSS)
    await page.screenshot(path=screenshot_path("unit-hostile-name"), full_page=True)
    assert page.dialogs == []  # type: ignore[attr-defined]


async def test_the_quarantine_open_then_resolved(page: Page) -> None:
    await log_in(page)
    await page.goto("/quarantine")
    rows = page.locator("#quarantine tbody tr")
    await expect(rows).to_have_count(2)
    known = rows.filter(has_text="xa-a1@thu.example")
    await known.get_by_role("link", name="Ghi nhận nộp").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("UBND xã A1")
    await expect(page.locator("#tin-cach-ly")).to_contain_text("xa-a1@thu.example")
    await page.screenshot(path=screenshot_path("quarantine-pick-deadline"), full_page=True)
    await page.goto("/quarantine")
    stranger = rows.filter(has_text="la@khac.example")
    await expect(stranger.get_by_role("link", name="Ghi nhận nộp")).to_have_count(0)
    await stranger.get_by_placeholder("Lý do bỏ qua").fill("Thư quảng cáo")
    await page.screenshot(path=screenshot_path("quarantine-open"), full_page=True)
    await stranger.get_by_role("button", name="Bỏ qua").click()
    await expect(page.get_by_role("status")).to_contain_text("Đã bỏ qua tin")
    await expect(rows).to_have_count(1)
    await page.get_by_role("link", name="Đã xử lý").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Bỏ qua: Thư quảng cáo")
    await expect(rows.first).to_contain_text("web:dieuphoi@thu.example")
    await page.screenshot(path=screenshot_path("quarantine-resolved"), full_page=True)
    assert page.dialogs == []  # type: ignore[attr-defined]


async def test_the_quarantine_pages_older_replies(page: Page, store_dir: Path) -> None:
    engine = db.create_engine(f"sqlite:///{store_dir / 'hanchot.db'}")
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        session.execute(
            sa.insert(InboundMessage),
            [
                {
                    "channel": InboundChannel.EMAIL,
                    "sender": f"cu-{i}@gmail.example",
                    "raw_ref": f"<cu-{i}@x>",
                    "outcome": InboundOutcome.QUARANTINED,
                    "received_at": long_ago + timedelta(minutes=i),
                    "resolved_at": long_ago + timedelta(days=1),
                    "resolved_by": "web:dieuphoi@thu.example",
                    "resolution": "Bỏ qua: thư cũ",
                }
                for i in range(120)
            ],
        )
    engine.dispose()
    await log_in(page)
    await page.goto("/quarantine?show=resolved")
    rows = page.locator("#quarantine tbody tr")
    await expect(rows).to_have_count(100)
    count = page.locator("#quarantine-count")
    await expect(count).to_have_text(re.compile(r"^Hiển thị 1–100 trong 12[01] thư$"))
    await page.get_by_role("link", name="Cũ hơn").last.click()
    await expect(count).to_have_text(re.compile(r"^Hiển thị 101–12([01]) trong 12\1 thư$"))
    await expect(rows.last).to_contain_text("cu-0@gmail.example")  # the oldest, last
    assert "show=resolved" in page.url and "before=" in page.url
    await page.screenshot(path=screenshot_path("quarantine-older-page"), full_page=True)
    await page.get_by_role("link", name="Mới nhất").first.click()
    await expect(rows).to_have_count(100)
    assert page.url.endswith("/quarantine?show=resolved")
