"""In Chromium at 1280×800 and 390×844: the editor's unit list names each focal point (the
id small beside it), and a coordinator chooses a person's channel order in words ("Zalo,
rồi Email"), sees where the person stands on each channel, reads the change and the
warning that Zalo is not linked yet on the draft page, publishes, and finds the change
in the history; no page scrolls sideways. Screenshots: test-artifacts/browser/channels-*.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from store.models import WebRole
from tests.web.browser import free_port
from tests.web.editor.test_browser_editor import (
    CALENDAR,
    EMAIL,
    PASSWORD,
    SECRET,
    VIEWPORTS,
    Shots,
    chromium,
    login,
)
from tests.web.support import RecordingGateway
from tests.workflows.support import publish, sqlite_store
from web.accounts import create_account
from web.app import create_app
from web.server import serving
from web.settings import WebSettings

pytestmark = pytest.mark.asyncio
ORDER = (
    "kênh nhận nhắc việc, theo thứ tự ưu tiên: mọi kênh người này có, cùng lúc → Zalo, rồi Email"
)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_a_channel_order_chosen_in_words_and_focal_points_by_name(
    tmp_path: Path, viewport: str
) -> None:
    path = tmp_path / "xa.yaml"
    path.write_text(CALENDAR.format(), encoding="utf-8")
    store = sqlite_store(tmp_path)
    publish(store, [path])
    create_account(store.engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
    settings = WebSettings(database_url=str(store.engine.url), secret=SECRET, data_dir=tmp_path)
    shot = Shots(tmp_path, f"channels-{viewport}")
    width, height = VIEWPORTS[viewport]
    async with (
        chromium() as browser,
        serving(create_app(settings, RecordingGateway()), port=free_port()) as base,
    ):
        context = await browser.new_context(
            base_url=base, viewport={"width": width, "height": height}
        )
        page = await context.new_page()
        page.set_default_timeout(20_000)
        await login(page, "/editor")
        row = page.locator("#don-vi tr", has_text="xa-a)")
        await expect(row.locator("td[data-label='Đầu mối']")).to_have_text("Trần Văn A (fp-a)")
        await expect(row.locator("td[data-label='Đầu mối'] .named")).to_have_attribute(
            "title", "fp-a"
        )
        await shot(page, "units")

        await page.locator("#nguoi tr", has_text="(fp-a)").get_by_role("link").click()
        await expect(page.locator("#note-channels")).to_contain_text("Zalo chưa liên kết")
        await page.locator(".editor-form select[name=channels]").select_option(
            label="Zalo, rồi Email"
        )
        await shot(page, "person-form")
        await page.get_by_role("button", name="Lưu vào bản nháp").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã lưu vào bản nháp")
        await expect(page.locator("#thay-doi")).to_contain_text(ORDER)
        await expect(page.locator("#kenh-chua-lien-ket")).to_contain_text(
            "Zalo chưa liên kết; cho tới khi liên kết, nhắc việc đi qua Email."
        )
        await expect(page.locator("#nguoi tr", has_text="(fp-a)")).to_contain_text(
            "Zalo, rồi Email"
        )
        await shot(page, "draft")
        await page.get_by_role("button", name="Công bố").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã công bố phiên bản 2")
        await expect(page.locator("main")).to_contain_text(ORDER)
        await shot(page, "history")
        await context.close()
