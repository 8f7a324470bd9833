"""The unit page with a contact's channel order and Zalo link, on a phone (390x844) in
Chromium: the added line wraps instead of widening the page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.async_api import Browser, expect

from store import channels, db
from store.base import utcnow
from store.enums import Channel
from store.models import Person
from tests.web.browser import screenshot_path
from tests.web.test_browser_phone import PHONE, Site, browser, open_page, sideways, site, unit_id

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["browser", "site"]  # fixtures, used by name


async def test_the_channel_order_fits_a_phone(browser: Browser, site: Site) -> None:
    engine = db.create_engine(site.url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        person = session.scalar(sa.select(Person).where(Person.key == "fp-xa-a2"))
        assert person is not None
        person.channels = ["zalo", "telegram", "email"]
        channels.bind(session, person.id, Channel.ZALO, "8413567890123456789", None, utcnow())
    engine.dispose()
    page = await open_page(browser, site, PHONE)
    await page.goto(f"/units/{unit_id(site, 'xa-a2')}")
    contacts = page.locator("ul.contacts")
    await expect(contacts).to_contain_text("Nhận nhắc việc qua: Zalo, rồi Telegram, rồi Email")
    await expect(contacts).to_contain_text("Zalo đã liên kết")
    await page.screenshot(path=screenshot_path("unit-zalo-390"), full_page=True)
    scroll, inner = await sideways(page)
    assert scroll <= inner
    await page.context.close()
