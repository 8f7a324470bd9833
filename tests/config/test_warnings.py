"""`hanchot check`'s warnings (valid, but almost certainly not meant) and the loader's
errors for the reform's fields: successor, receivers by date, working_days."""

from __future__ import annotations

import pytest

from config.errors import CalendarError
from config.loader import load_calendar_text
from config.warnings import calendar_warnings
from deadlines.model import Calendar

UNITS = """\
people: [{id: p, name: Người Thử, email: p@thu.example}]
units:
  - {id: tinh, name: UBND tỉnh, kind: province}
  - {id: so-ldtbxh, name: Sở LĐTBXH, kind: department, parent: tinh, closed: 01/03/2025,
     successor: so-noi-vu}
  - {id: so-noi-vu, name: Sở Nội vụ, kind: department, parent: tinh}
  - {id: huyen, name: Huyện, kind: district, parent: tinh, focal_point: p, head: p,
     closed: 01/07/2025}
  - {id: xa, name: Xã, kind: commune, parent: huyen, focal_point: p}
"""


def load(obligation: str, extra: str = "", units: str = UNITS) -> Calendar:
    text = f"""\
calendar: {{id: w, name: Thử}}
organisation: {{id: o, name: Tổ chức}}
defaults:
  escalation: [{{after: 1d, to: focal_point}}]
{units}
obligations:
  - id: bc
    name: Báo cáo
    period: annual
{obligation}
{extra}
"""
    return load_calendar_text(text, "w.yaml")


def messages(cal: Calendar) -> list[str]:
    return [f"{w.field}: {w.message}" for w in calendar_warnings(cal)]


def test_a_calendar_without_surprises_has_no_warning() -> None:
    cal = load("""\
    due: before 15/12
    submitters: {kinds: [district]}
    receiver:
      - {unit: so-ldtbxh}
      - {unit: so-noi-vu, from: 01/03/2025}""")
    assert messages(cal) == []


def test_receiver_closed_while_the_obligation_continues() -> None:
    cal = load(
        "    due: before 15/12\n    submitters: {kinds: [district]}\n    receiver: so-ldtbxh"
    )
    (issue,) = calendar_warnings(cal)
    assert issue.field == "obligations[bc].receiver"
    assert (
        issue.message == "nghĩa vụ vẫn gửi về 'so-ldtbxh', đơn vị đã ngừng hoạt động từ 01/03/2025"
    )
    assert issue.hint == (
        "receiver: [{unit: so-ldtbxh}, {unit: so-noi-vu, from: 01/03/2025}], hoặc until_year"
    )
    ended = load(
        "    due: before 15/12\n    submitters: {kinds: [district]}\n    receiver: so-ldtbxh\n"
        "    until_year: 2024"
    )
    assert messages(ended) == []


def test_receiver_parent_that_closed_before_its_children() -> None:
    cal = load("    due: before 15/12\n    submitters: {kinds: [commune]}\n    receiver: parent")
    assert messages(cal) == [
        "obligations[bc].receiver: báo cáo gửi cấp trên (parent) đã giải thể: xa"
    ]


def test_escalation_to_a_head_units_do_not_have() -> None:
    cal = load("""\
    due: before 15/12
    submitters: {kinds: [district, commune]}
    receiver: so-noi-vu
    escalation: [{after: 3d, to: head}]""")
    assert messages(cal) == [
        "obligations[bc].escalation: đôn đốc gửi thủ trưởng (head) nhưng 1 đơn vị chưa có "
        "thủ trưởng: xa"
    ]


def test_data_window_ending_on_the_last_day() -> None:
    cal = load("""\
    due: before 15/12
    data_window: nd09
    from_year: 2025
    submitters: {kinds: [district]}
    receiver: so-noi-vu""")
    # Nghị định 09's annual window ends on 14/12, the last day of "before 15/12".
    assert messages(cal) == [
        "obligations[bc].data_window: số liệu kỳ Năm 2025 tính đến 14/12/2025, "
        "không trước hạn nộp 14/12/2025"
    ]


def test_working_day_that_cancels_nothing_and_successor_not_open() -> None:
    units = UNITS.replace(
        "  - {id: so-noi-vu, name: Sở Nội vụ, kind: department, parent: tinh}",
        "  - {id: so-noi-vu, name: Sở Nội vụ, kind: department, parent: tinh, opened: 01/07/2025}",
    )
    cal = load(
        "    due: before 15/12\n    submitters: {kinds: [district]}\n    receiver: so-noi-vu",
        "working_days: [03/03/2026]",
        units,
    )
    assert [w.field for w in calendar_warnings(cal)] == [
        "units[so-ldtbxh].successor",
        "working_days",
    ]


@pytest.mark.parametrize(
    ("units", "receiver", "message"),
    [
        (
            UNITS.replace("closed: 01/03/2025,\n     successor", "successor"),
            "so-noi-vu",
            "đơn vị kế thừa chỉ có nghĩa khi đơn vị có ngày giải thể",
        ),
        (
            UNITS.replace("successor: so-noi-vu", "successor: so-khac"),
            "so-noi-vu",
            "đơn vị kế thừa 'so-khac' không có trong units",
        ),
        (
            UNITS,
            "\n      - {unit: so-ldtbxh}\n      - {unit: so-noi-vu}",
            "nơi nhận sau cần ngày bắt đầu 'from'",
        ),
        (
            UNITS,
            "\n      - {unit: so-ldtbxh}\n      - {unit: so-x, from: 01/03/2025}",
            "đơn vị nhận 'so-x' không có trong units",
        ),
        (
            UNITS,
            "\n      - {unit: so-ldtbxh}\n      - {unit: so-noi-vu, from: 01/03/2025}"
            "\n      - {unit: tinh, from: 01/01/2025}",
            "các nơi nhận phải theo thứ tự ngày tăng dần",
        ),
    ],
)
def test_loader_errors_for_successor_and_receivers(units: str, receiver: str, message: str) -> None:
    with pytest.raises(CalendarError) as exc:
        head = "    due: before 15/12\n    submitters: {kinds: [district]}\n"
        load(f"{head}    receiver: {receiver}", units=units)
    assert message in str(exc.value)


def test_with_the_file_a_warning_names_its_line_and_path() -> None:
    extra = "working_days: [03/03/2026]"
    obligation = (
        "    due: before 15/12\n    submitters: {kinds: [district]}\n    receiver: so-ldtbxh"
    )
    cal = load(obligation, extra)
    text = f"""\
calendar: {{id: w, name: Thử}}
organisation: {{id: o, name: Tổ chức}}
defaults:
  escalation: [{{after: 1d, to: focal_point}}]
{UNITS}
obligations:
  - id: bc
    name: Báo cáo
    period: annual
{obligation}
{extra}
"""
    lines = text.splitlines()
    got = {(w.field, w.line) for w in calendar_warnings(cal, text)}
    receiver = next(i for i, line in enumerate(lines, 1) if "receiver: so-ldtbxh" in line)
    working = next(i for i, line in enumerate(lines, 1) if line.startswith("working_days"))
    assert got == {("obligations[0].receiver", receiver), ("working_days", working)}
