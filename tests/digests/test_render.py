"""Rendering a digest: Vietnamese email (HTML table), Telegram text and the `.xlsx`."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from notifier.compose import Row, compose
from notifier.digest import digest_xlsx, xlsx_name
from notifier.render import Context, render
from notifier.settings import NotifierSettings, Secret
from store import digests
from store.enums import Channel
from tests.digests.seed import AS_OF, CAL, YEAR, seed
from tests.workflows.support import sqlite_store


def payload(tmp_path: Path, overdue: bool = True, kind: str = "daily") -> dict[str, Any]:
    store = sqlite_store(tmp_path)
    seed(store, tmp_path, overdue)
    with store.read() as session:
        digest = digests.build_digest(session, CAL, "boss", AS_OF)
    return {
        "kind": "digest",
        "digest_kind": kind,
        "period_key": f"{YEAR}-06-20",
        **digest.payload(),
    }


def ctx(lang: str = "vi") -> Context:
    return Context(person_name="Hoàng Văn Lãnh Đạo", language=lang, now=datetime.now())


def test_email_lists_the_overdue_unit_in_vietnamese(tmp_path: Path) -> None:
    out = render("digest", payload(tmp_path), ctx())
    assert out.subject == (
        f"Tổng hợp ngày 20/06/{YEAR}: 1 đơn vị quá hạn nộp báo cáo — Lịch thử nghiệm"
    )
    assert "Kính gửi Hoàng Văn Lãnh Đạo," in out.text
    assert "■ Báo cáo 6 tháng công tác bình đẳng giới — 6 tháng đầu năm 2031" in out.text
    assert (
        f"• Sở Y tế (6 tháng đầu năm {YEAR}): quá hạn 5 ngày "
        f"(hạn cuối hết ngày Chủ nhật, 15/06/{YEAR}); "
        "đã nhắc 3 lần, đôn đốc 0 lần; gia hạn: Đang xin gia hạn; "
        "đầu mối: Trần Văn A (a@thu.example, @fp_aaa)"
    ) in out.text
    assert (
        "Tỷ lệ nộp 50,0% (1/2), đúng hạn 50,0% (1/2); kỳ trước (6 tháng đầu năm 2030): "
        "nộp 100,0% [-50,0 điểm], đúng hạn 50,0% [±0 điểm]."
    ) in out.text
    assert "<th>Số ngày quá hạn</th>" in out.html
    assert "<td>Sở Y tế</td>" in out.html
    assert "Sở Giáo dục" not in out.text  # on time: not listed


def test_weekly_title_and_telegram_text(tmp_path: Path) -> None:
    out = render("digest", payload(tmp_path, kind="weekly"), ctx())
    assert out.subject.startswith(f"Tổng hợp tuần 20/06/{YEAR}:")
    assert f"📋 <b>Tổng hợp tuần 20/06/{YEAR}</b>" in out.chat
    assert "Nộp 50,0% (kỳ trước 100,0%), đúng hạn 50,0% (kỳ trước 50,0%)" in out.chat
    assert "• Sở Y tế: 5 ngày, nhắc 3 lần, đôn đốc 0 lần, đang xin gia hạn — Trần Văn A" in out.chat


def test_all_clear_message(tmp_path: Path) -> None:
    out = render("digest", payload(tmp_path, overdue=False), ctx())
    assert "không có đơn vị nào quá hạn" in out.subject
    assert "không có đơn vị nào thuộc phạm vi anh/chị theo dõi quá hạn" in out.text
    assert "Không có đơn vị nào quá hạn nộp báo cáo." in out.chat


def test_english_rendering(tmp_path: Path) -> None:
    out = render("digest", payload(tmp_path), ctx("en"))
    assert out.subject.startswith(f"Daily digest 20/06/{YEAR}: 1 units overdue")


def test_xlsx_has_a_row_per_overdue_unit_and_the_rates(tmp_path: Path) -> None:
    data = payload(tmp_path)
    book = load_workbook(io.BytesIO(digest_xlsx(data)))
    assert book.sheetnames == ["Quá hạn", "Tỷ lệ"]
    rows = list(book["Quá hạn"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Báo cáo", "Kỳ", "Đơn vị", "Hạn cuối", "Số ngày quá hạn")
    assert rows[1][2] == "Sở Y tế"
    assert rows[1][3].date().isoformat() == f"{YEAR}-06-15"
    assert rows[1][4:8] == (5, 3, 0, "Đang xin gia hạn")
    rates = list(book["Tỷ lệ"].iter_rows(values_only=True))
    # Rates are numbers a spreadsheet can sort and chart, shown as percentages.
    assert rates[1][2:7] == (2, 1, 1, 0.5, 0.5)
    assert rates[1][7:] == ("6 tháng đầu năm 2030", 1.0, 0.5)
    assert book["Tỷ lệ"]["F2"].number_format == "0.0%"
    for sheet in book.worksheets:  # fit to hand on: header in view, filters on every column
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
    assert xlsx_name(data) == f"bao-cao-qua-han-{YEAR}-06-20.xlsx"


def _row(data: dict[str, Any], channel: Channel, address: str) -> Row:
    return Row(
        id=1,
        workflow_id=f"digest/{CAL}/boss",
        step=f"digest:daily:{YEAR}-06-20",
        channel=channel,
        recipient_id=1,
        person_key="boss",
        person_name="Hoàng Văn Lãnh Đạo",
        language="vi",
        timezone="Asia/Ho_Chi_Minh",
        address=address,
        deadline_id=None,
        payload=data,
        attempts=0,
    )


def test_the_email_carries_the_xlsx_and_telegram_the_compact_text(tmp_path: Path) -> None:
    data = payload(tmp_path)
    settings = NotifierSettings(secret=Secret("s"), data_dir=tmp_path)
    mail = compose(settings, _row(data, Channel.EMAIL, "boss@thu.example"))
    [sheet] = mail.attachments
    assert sheet.file_name == f"bao-cao-qua-han-{YEAR}-06-20.xlsx"
    assert sheet.content_type.endswith("spreadsheetml.sheet")
    assert "Sở Y tế" in mail.html
    chat = compose(settings, _row(data, Channel.TELEGRAM, "@boss"))
    assert chat.buttons == ()
    assert "Sở Y tế: 5 ngày" in (chat.chat_html or "")


def test_an_all_clear_email_has_no_attachment(tmp_path: Path) -> None:
    settings = NotifierSettings(secret=Secret("s"), data_dir=tmp_path)
    data = payload(tmp_path, overdue=False)
    assert compose(settings, _row(data, Channel.EMAIL, "boss@thu.example")).attachments == ()
