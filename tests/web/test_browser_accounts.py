"""Done when (issue 17, item 3), in Chromium at 1280x800 and 390x844: a coordinator invites
a supervisor from the accounts page; the invitation goes through the outbox and the relay
to a real SMTP server on loopback; the supervisor opens the link from the email as
received, sets a password, logs in and sees only his subtree; the link then refuses a
second use. On the linking page a coordinator sees who has linked Zalo and Telegram and
sends one focal point a code whose email explains both ways. The accounts, linking,
audit, forgotten-password and set-password pages do not scroll sideways on a phone.
Screenshots: test-artifacts/browser/accounts-*.png.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
import sqlalchemy as sa
from playwright.async_api import Browser, Page, async_playwright, expect

from activities.store_access import StoreAccess
from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.relay import sweep
from notifier.settings import NotifierSettings, Secret, SmtpSettings, TelegramSettings
from store import channels, db, migrate
from store.base import utcnow
from store.enums import Channel
from store.models import Person
from tests.fakes.smtp import FakeSMTP
from tests.web.browser import ARGS, free_port, require_chromium, screenshot_path
from tests.web.conftest import ACCOUNTS, PASSWORD
from tests.web.factory import fill
from tests.web.support import RecordingGateway
from tests.web.test_accounts_invite import plain
from web.accounts import create_account
from web.app import create_app
from web.server import serving
from web.settings import WebSettings

pytestmark = pytest.mark.asyncio(loop_scope="module")
SECRET = "a" * 40
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "mat-khau-lanh-dao-moi"
OA = "1234567890123456789"


@dataclass
class Site:
    base: str
    url: str
    smtp: FakeSMTP

    async def relay(self) -> int:
        settings = NotifierSettings(
            secret=Secret(SECRET),
            public_url=self.base,
            smtp=SmtpSettings(
                sender="Hạn chót <hanchot@tinh-thu.example>",
                timeout=3.0,
                host="127.0.0.1",
                port=self.smtp.port,
                security="none",
            ),
            telegram=TelegramSettings(timeout=1.0),
        )
        engine = db.create_engine(self.url)
        registry = Registry([EmailChannel(settings.smtp)])
        try:
            return await sweep(Deliverer(StoreAccess(engine), registry, settings))
        finally:
            await registry.aclose()
            engine.dispose()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    data = tmp_path_factory.mktemp("accounts")
    url = f"sqlite:///{data / 'hanchot.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        fill(session, data)
        linked = session.scalar(sa.select(Person).where(Person.key == "fp-xa-a1"))
        assert linked is not None
        channels.bind(session, linked.id, Channel.ZALO, "8413567890123456789", None, utcnow())
    email, role, scope = ACCOUNTS["coordinator"]
    create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    port = free_port()
    settings = WebSettings(
        database_url=url,
        secret=SECRET,
        data_dir=data,
        public_url=f"http://127.0.0.1:{port}",
        telegram_bot_username="hanchot_thu_bot",
        zalo_oa_id=OA,
    )
    smtp = FakeSMTP().start()
    try:
        async with serving(create_app(settings, RecordingGateway()), port=port) as base:
            yield Site(base, url, smtp)
    finally:
        smtp.stop()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = require_chromium()
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=path, args=ARGS)
        yield chromium
        await chromium.close()


async def new_page(browser: Browser, site: Site, size: dict[str, int]) -> Page:
    context = await browser.new_context(base_url=site.base, viewport=size, locale="vi-VN")  # type: ignore[arg-type]
    page = await context.new_page()
    page.set_default_timeout(15_000)
    return page


async def log_in(page: Page, email: str, password: str) -> None:
    await page.goto("/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("form[action='/login'] button[type=submit]")
    await expect(page.locator("h1").first).to_be_visible()


async def sideways(page: Page) -> bool:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    return int(width) > int(await page.evaluate("window.innerWidth"))


@pytest.mark.parametrize(("size", "tag"), [(DESKTOP, "1280"), (PHONE, "390")])
async def test_an_invited_supervisor_sets_his_password_from_the_email(
    browser: Browser, site: Site, size: dict[str, int], tag: str
) -> None:
    invited = f"lanhdao.{tag}@thu.example"
    admin = await new_page(browser, site, size)
    await log_in(admin, ACCOUNTS["coordinator"][0], PASSWORD)
    await admin.click("nav a[href='/accounts']")
    await admin.fill("#invite input[name=email]", invited)
    await admin.fill("#invite input[name=name]", "Lãnh đạo huyện A")
    await admin.select_option("#invite select[name=role]", "supervisor")
    option = admin.locator("#invite select[name=scope_unit] option", has_text="UBND huyện A")
    value = await option.get_attribute("value")
    await admin.select_option("#invite select[name=scope_unit]", value=value)
    await admin.click("#invite button[type=submit]")
    await expect(admin.locator("p.ok")).to_contain_text("Đã gửi lời mời")
    row = admin.locator("#accounts tr", has_text=invited)
    await expect(row).to_contain_text("Đã mời, chờ đặt mật khẩu")
    assert not await sideways(admin)
    await admin.screenshot(path=screenshot_path(f"accounts-invited-{tag}"), full_page=True)

    assert await site.relay() >= 1
    [mail] = site.smtp.to(invited)
    link = re.search(r"(http://127\.0\.0\.1:\d+/password/\S+)", plain(mail))
    assert link, plain(mail)

    person = await new_page(browser, site, size)
    await person.goto(link.group(1))
    await expect(person.locator("h1")).to_have_text("Đặt mật khẩu cho tài khoản mới")
    assert not await sideways(person)
    await person.screenshot(path=screenshot_path(f"accounts-set-password-{tag}"), full_page=True)
    await person.fill("input[name=password]", NEW_PASSWORD)
    await person.fill("input[name=password2]", NEW_PASSWORD)
    await person.click("main button[type=submit]")
    await expect(person.locator("h1")).to_have_text("Đã đặt mật khẩu")
    await person.screenshot(path=screenshot_path(f"accounts-password-set-{tag}"), full_page=True)

    await log_in(person, invited, NEW_PASSWORD)
    await expect(person.locator(".who")).to_contain_text("Lãnh đạo phụ trách")
    await person.goto("/matrix?year=2025")
    await expect(person.locator("main")).to_contain_text("UBND xã A1")
    await expect(person.locator("main")).not_to_contain_text("UBND xã B1")
    await expect(person.locator("nav a[href='/accounts']")).to_have_count(0)
    await person.screenshot(
        path=screenshot_path(f"accounts-supervisor-matrix-{tag}"), full_page=True
    )

    again = await new_page(browser, site, size)
    await again.goto(link.group(1))
    await expect(again.locator("p.error")).to_contain_text("đã được dùng")
    await again.screenshot(path=screenshot_path(f"accounts-link-used-{tag}"), full_page=True)

    await admin.goto("/audit")
    await expect(admin.locator("#audit")).to_contain_text("Nhận lời mời, đặt mật khẩu")
    for context in (admin.context, person.context, again.context):
        await context.close()


@pytest.mark.parametrize(("size", "tag"), [(DESKTOP, "1280"), (PHONE, "390")])
async def test_the_account_pages_fit_the_screen(
    browser: Browser, site: Site, size: dict[str, int], tag: str
) -> None:
    page = await new_page(browser, site, size)
    await page.goto("/login")
    await page.click("text=Quên mật khẩu?")
    await page.fill("input[name=email]", "ai-do@thu.example")
    await page.click("main button[type=submit]")
    await expect(page.locator("p.ok")).to_contain_text("Nếu ai-do@thu.example")
    assert not await sideways(page)
    await page.screenshot(path=screenshot_path(f"accounts-forgot-{tag}"), full_page=True)
    await log_in(page, ACCOUNTS["coordinator"][0], PASSWORD)
    wide = {}
    for name, path in {
        "list": "/accounts",
        "links": "/accounts/links",
        "audit": "/audit",
    }.items():
        await page.goto(path)
        await expect(page.locator("h1")).to_be_visible()
        if await sideways(page):
            wide[name] = path
        await page.screenshot(path=screenshot_path(f"accounts-{name}-{tag}"), full_page=True)
    assert not wide, f"pages wider than the screen: {wide}"
    await page.context.close()


@pytest.mark.parametrize(("size", "tag"), [(DESKTOP, "1280"), (PHONE, "390")])
async def test_the_linking_page_shows_zalo_and_telegram_and_sends_a_code(
    browser: Browser, site: Site, size: dict[str, int], tag: str
) -> None:
    page = await new_page(browser, site, size)
    await log_in(page, ACCOUNTS["coordinator"][0], PASSWORD)
    await page.goto("/accounts")
    await page.click("a[href='/accounts/links']")
    await expect(page.locator("h1")).to_have_text("Liên kết Zalo, Telegram")
    await expect(page.locator("#link-counts")).to_contain_text("1 đã liên kết Zalo")
    linked = page.locator("#focal-points tr", has_text="Đầu mối xa-a1")
    await expect(linked.locator(".link-zalo")).to_contain_text("Đã liên kết")
    await expect(linked.locator(".link-telegram")).to_contain_text("Chưa liên kết")
    row = page.locator("#focal-points tr", has_text="Đầu mối xa-a2")
    await row.get_by_role("button", name="Gửi mã").click()
    await expect(page.locator("p.ok")).to_contain_text("Đã gửi mã liên kết cho 1 người")
    assert not await sideways(page)
    await page.screenshot(path=screenshot_path(f"accounts-links-sent-{tag}"), full_page=True)
    assert await site.relay() >= 1
    mail = site.smtp.to("xa-a2@thu.example")[-1]
    body = plain(mail)
    assert f"https://zalo.me/{OA}" in body and "gửi mã này cho OA" in body
    assert "https://t.me/hanchot_thu_bot?start=" in body
    await page.context.close()
