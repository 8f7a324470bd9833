"""A campaign with no result report is announced, never reminded as a report due: the
payload the real workflow code builds for it, rendered in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from activities.snapshot import freeze
from config.loader import load_calendar_text
from deadlines.timeline import plan_year
from notifier.compose import Row, compose
from notifier.render import Context, render
from notifier.settings import NotifierSettings, Secret
from store.enums import Channel
from workflows.deadline_state import notification_payload

CALENDAR = """\
calendar: {id: c, name: Thử}
organisation: {id: o, name: Tổ chức}
people: [{id: p, name: Người Thử, email: p@thu.example}]
units:
  - {id: so, name: Sở Nội vụ, kind: department}
  - {id: xa, name: UBND xã Thất Khê, kind: commune, parent: so, focal_point: p}
obligations:
  - id: thang-hanh-dong
    name: Tháng hành động vì bình đẳng giới
    period: campaign
    window: 15/11 - 15/12
    submitters: {kinds: [commune]}
    receiver: so
  - id: bao-cao
    name: Báo cáo năm
    period: annual
    due: before 10/11
    submitters: {kinds: [commune]}
    receiver: so
"""


def reminder_payload(obligation: str) -> dict[str, Any]:
    cal = load_calendar_text(CALENDAR, "c.yaml")
    (plan,) = [p for p in plan_year(cal, 2026) if p.obligation_id == obligation]
    (unit,) = freeze(cal, plan).units
    step = plan.reminders[0]
    return notification_payload(
        unit, unit.cycle.timeline, "reminder", step.key, {"step": step.key, "to": "focal_point"}
    )


def first_reminder(obligation: str, language: str) -> tuple[str, str, str]:
    payload = reminder_payload(obligation)
    now = datetime(2026, 11, 6, 1, tzinfo=UTC)
    out = render("reminder", payload, Context("Người Thử", language, now=now))
    return out.subject, out.text, out.chat


@pytest.mark.parametrize(
    ("language", "heading", "nothing_owed", "due_words"),
    [
        ("vi", "Thông báo đợt", "không có báo cáo phải nộp", "cần nộp"),
        ("en", "Campaign notice", "no report to submit", "has a report due"),
    ],
)
def test_campaign_without_result_report_is_an_announcement(
    language: str, heading: str, nothing_owed: str, due_words: str
) -> None:
    subject, text, chat = first_reminder("thang-hanh-dong", language)
    assert subject.startswith(heading) and "Tháng hành động vì bình đẳng giới" in subject
    assert nothing_owed in text.lower() and due_words not in text
    assert heading in chat


def test_an_ordinary_report_is_still_reminded_as_due() -> None:
    subject, text, _ = first_reminder("bao-cao", "vi")
    assert subject.startswith("Nhắc hạn nộp") and "có báo cáo cần nộp" in text


def row(payload: dict[str, Any], channel: Channel, address: str) -> Row:
    return Row(
        id=1,
        workflow_id=f"deadline/c/{payload['obligation']}/{payload['period']}/xa",
        step=str(payload["step"]),
        channel=channel,
        recipient_id=1,
        person_key="p",
        person_name="Người Thử",
        language="vi",
        timezone="Asia/Ho_Chi_Minh",
        address=address,
        deadline_id=7,
        payload=payload,
        attempts=0,
    )


@pytest.mark.parametrize(("obligation", "owed"), [("thang-hanh-dong", False), ("bao-cao", True)])
def test_an_announcement_has_no_submit_button_and_no_deadline_event(
    tmp_path: Path, obligation: str, owed: bool
) -> None:
    settings = NotifierSettings(secret=Secret("s"), data_dir=tmp_path)
    payload = reminder_payload(obligation)
    mail = compose(settings, row(payload, Channel.EMAIL, "p@thu.example"))
    assert any(a.file_name.endswith(".ics") for a in mail.attachments) is owed
    chat = compose(settings, row(payload, Channel.TELEGRAM, "@nguoithu"))
    assert bool(chat.buttons) is owed
