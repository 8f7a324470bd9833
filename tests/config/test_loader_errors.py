"""Malformed calendars: each must fail whole, naming the file, the line and the field."""

from __future__ import annotations

import pytest

from config.errors import CalendarError
from config.loader import load_calendar, load_calendar_text, load_calendars

BASE = """\
calendar:
  id: test-cal
  name: Lịch thử
organisation:
  id: ubnd-thu
  name: UBND huyện Thử
  timezone: Asia/Ho_Chi_Minh
defaults:
  reminders: [-7d, -1d, 0d]
people:
  - {id: lan, name: Nguyễn Thị Lan, email: lan@thu.example}
  - {id: minh, name: Trần Văn Minh, email: minh@thu.example, telegram: "@minh_thu"}
units:
  - {id: huyen, name: UBND huyện Thử, kind: district}
  - {id: phong-ld, name: Phòng Lao động, kind: department, parent: huyen, focal_point: lan}
  - {id: xa-a, name: UBND xã A, kind: commune, parent: huyen, focal_point: minh, opened: 01/01/2020}
supervisors:
  - {person: minh, units: [huyen]}
obligations:
  - id: bc-6-thang
    name: Báo cáo 6 tháng
    period: semiannual
    due: {H1: before 15/06}
    submitters: {kinds: [commune]}
    receiver: phong-ld
  - id: bc-nam
    name: Báo cáo năm
    period: annual
    due: before 15/12
    data_window: nd09
    submitters: {subtrees: [huyen]}
    receiver: phong-ld
    feeds: bc-6-thang
days_off:
  - {date: 02/01/2026, name: Nghỉ thêm}
working_saturdays: [10/01/2026]
"""


def test_base_calendar_is_valid() -> None:
    cal = load_calendar_text(BASE, "thu.yaml")
    assert [o.id for o in cal.obligations] == ["bc-6-thang", "bc-nam"]
    assert cal.unit("xa-a").opened is not None


# (case id, old text, new text, line marker in the new text, field, message fragment)
CASES = [
    (
        "invalid-date-30-02",
        "opened: 01/01/2020",
        "opened: 30/02/2020",
        "30/02/2020",
        "units[2].opened",
        "tháng 2/2020 có 29 ngày",
    ),
    (
        "invalid-day-month",
        "before 15/12",
        "before 31/11",
        "31/11",
        "obligations[1].due",
        "tháng 11 có 30 ngày",
    ),
    (
        "feb-29-recurring",
        "before 15/12",
        "before 29/02",
        "29/02",
        "obligations[1].due",
        "29/02 không có trong mọi năm",
    ),
    (
        "unknown-parent",
        "parent: huyen, focal_point: lan",
        "parent: tinh, focal_point: lan",
        "parent: tinh",
        "units[1].parent",
        "'tinh' không có trong units",
    ),
    (
        "tree-cycle",
        "{id: huyen, name: UBND huyện Thử, kind: district}",
        "{id: huyen, name: UBND huyện Thử, kind: district, parent: xa-a}",
        "parent: xa-a",
        "units[0].parent",
        "vòng lặp",
    ),
    (
        "self-parent",
        "{id: huyen, name: UBND huyện Thử, kind: district}",
        "{id: huyen, name: UBND huyện Thử, kind: district, parent: huyen}",
        "parent: huyen}",
        "units[0].parent",
        "vòng lặp: huyen → huyen",
    ),
    (
        "duplicate-unit-id",
        "{id: xa-a, name: UBND xã A",
        "{id: phong-ld, name: UBND xã A",
        "name: UBND xã A",
        "units[2].id",
        "bị trùng (đã có ở dòng 15)",
    ),
    (
        "duplicate-person-id",
        "{id: minh, name: Trần Văn Minh",
        "{id: lan, name: Trần Văn Minh",
        "Trần Văn Minh",
        "people[1].id",
        "'lan' bị trùng",
    ),
    (
        "duplicate-obligation-id",
        "  - id: bc-nam\n",
        "  - id: bc-6-thang  # dup\n",
        "# dup",
        "obligations[1].id",
        "'bc-6-thang' bị trùng",
    ),
    (
        "missing-receiver",
        "    receiver: phong-ld\n    feeds",
        "    feeds",
        "id: bc-nam",
        "obligations[1]",
        "thiếu khóa bắt buộc 'receiver'",
    ),
    (
        "unknown-receiver",
        "    receiver: phong-ld\n    feeds",
        "    receiver: so-ld\n    feeds",
        "receiver: so-ld",
        "obligations[1].receiver",
        "'so-ld' không có trong units",
    ),
    (
        "reminder-after-due",
        "reminders: [-7d, -1d, 0d]",
        "reminders: [-7d, 2d]",
        "reminders:",
        "defaults.reminders[1]",
        "nằm sau hạn nộp",
    ),
    (
        "reminder-outside-hours",
        "reminders: [-7d, -1d, 0d]",
        "reminders: [-7d, -1d@20:00]",
        "reminders:",
        "defaults.reminders",
        "20:00 nằm ngoài giờ làm việc",
    ),
    (
        "unknown-timezone",
        "timezone: Asia/Ho_Chi_Minh",
        "timezone: Asia/Hanoi",
        "Asia/Hanoi",
        "organisation.timezone",
        "múi giờ 'Asia/Hanoi' không tồn tại",
    ),
    (
        "unknown-period-kind",
        "period: annual",
        "period: yearly",
        "yearly",
        "obligations[1].period",
        "'yearly' is not a valid PeriodKind",
    ),
    (
        "unknown-key-typo",
        "    receiver: phong-ld\n    feeds",
        "    reciever: phong-ld\n    feeds",
        "reciever",
        "obligations[1].reciever",
        "khóa 'reciever' không được hỗ trợ",
    ),
    (
        "unknown-person-focal",
        "focal_point: minh",
        "focal_point: hoa",
        "focal_point: hoa",
        "units[2].focal_point",
        "người 'hoa' không có trong people",
    ),
    (
        "unknown-supervisor",
        "{person: minh, units: [huyen]}",
        "{person: nam, units: [huyen]}",
        "person: nam",
        "supervisors[0].person",
        "người 'nam' không có trong people",
    ),
    (
        "unknown-supervised-unit",
        "{person: minh, units: [huyen]}",
        "{person: minh, units: [tinh]}",
        "units: [tinh]",
        "supervisors[0].units",
        "'tinh' không có trong units",
    ),
    (
        "unknown-submitter-kind",
        "kinds: [commune]",
        "kinds: [ward]",
        "kinds: [ward]",
        "obligations[0].submitters.kinds",
        "không có đơn vị nào thuộc loại 'ward'",
    ),
    (
        "empty-submitters",
        "submitters: {kinds: [commune]}",
        "submitters: {}",
        "submitters: {}",
        "obligations[0].submitters",
        "chưa chọn đơn vị nộp nào",
    ),
    (
        "unknown-feeds",
        "feeds: bc-6-thang",
        "feeds: bc-quy",
        "feeds: bc-quy",
        "obligations[1].feeds",
        "'bc-quy' không có trong obligations",
    ),
    (
        "bad-due-text",
        "before 15/12",
        "cuối năm",
        "cuối năm",
        "obligations[1].due",
        "không phải hạn nộp",
    ),
    (
        "year-in-recurring-due",
        "before 15/12",
        "before 15/12/2025",
        "15/12/2025",
        "obligations[1].due",
        "chỉ dùng cho kỳ one_off",
    ),
    (
        "bad-semiannual-slot",
        "{H1: before 15/06}",
        "{H3: before 15/06}",
        "H3",
        "obligations[0].due.H3",
        "kỳ 'H3' không có trong kỳ semiannual",
    ),
    (
        "campaign-without-window",
        "period: annual\n    due: before 15/12",
        "period: campaign\n    due: before 15/12",
        "id: bc-nam",
        "obligations[1]",
        "cần 'window'",
    ),
    (
        "closed-before-opened",
        "opened: 01/01/2020}",
        "opened: 01/01/2020, closed: 01/01/2019}",
        "closed: 01/01/2019",
        "units[2].closed",
        "phải sau ngày thành lập 01/01/2020",
    ),
    (
        "working-saturday-is-weekday",
        "working_saturdays: [10/01/2026]",
        "working_saturdays: [12/01/2026]",
        "12/01/2026",
        "working_saturdays[0]",
        "không phải Thứ Bảy hay Chủ nhật",
    ),
    (
        "bad-email",
        "email: lan@thu.example",
        "email: lan-at-thu",
        "lan-at-thu",
        "people[0].email",
        "không phải địa chỉ email",
    ),
    (
        "bad-phone",
        "email: lan@thu.example",
        "email: lan@thu.example, phone: gọi tôi",
        "gọi tôi",
        "people[0].phone",
        "không phải số điện thoại",
    ),
    ("bad-id-chars", "{id: xa-a,", "{id: Xã A,", "Xã A", "units[2].id", "mã 'Xã A' không hợp lệ"),
    (
        "escalation-not-increasing",
        "defaults:\n",
        "defaults:\n  escalation: [{after: 3d, to: head}, {after: 1d, to: supervisor}]\n",
        "escalation:",
        "defaults.escalation[1].after",
        "thứ tự thời gian tăng dần",
    ),
    (
        "escalation-bad-target",
        "defaults:\n",
        "defaults:\n  escalation: [{after: 3d, to: boss}]\n",
        "escalation:",
        "defaults.escalation[0].to",
        "'boss' is not a valid EscalationTarget",
    ),
    (
        "reading-invalid",
        "    data_window: nd09",
        "    data_window: nd09\n    reading: loose",
        "reading: loose",
        "obligations[1].reading",
        "'loose' is not a valid Reading",
    ),
    (
        "bad-data-window",
        "data_window: nd09",
        "data_window: cả năm",
        "cả năm",
        "obligations[1].data_window",
        "không phải khoảng ngày",
    ),
    (
        "missing-required-section",
        "obligations:\n",
        "obligation:\n",
        "obligation:",
        "obligation",
        "khóa 'obligation' không được hỗ trợ",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "marker", "field", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_calendar_names_file_line_field(
    old: str, new: str, marker: str, field: str, fragment: str
) -> None:
    assert old in BASE, "test case does not apply to the base calendar"
    text = BASE.replace(old, new, 1)
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)
    with pytest.raises(CalendarError) as info:
        load_calendar_text(text, "thu.yaml")
    matching = [e for e in info.value.errors if e.field == field and fragment in e.message]
    assert matching, f"no error for {field!r} with {fragment!r} in:\n{info.value}"
    assert matching[0].file == "thu.yaml"
    assert matching[0].line == expected_line, str(info.value)
    assert str(matching[0]).startswith(f"thu.yaml:{expected_line}: {field}: ")


def test_enough_malformed_cases() -> None:
    assert len(CASES) >= 25


def test_every_error_is_reported_at_once() -> None:
    text = (
        BASE.replace("opened: 01/01/2020", "opened: 30/02/2020")
        .replace("timezone: Asia/Ho_Chi_Minh", "timezone: Mars/Olympus")
        .replace("    receiver: phong-ld\n    feeds", "    receiver: so-ld\n    feeds")
    )
    with pytest.raises(CalendarError) as info:
        load_calendar_text(text, "thu.yaml")
    fields = [e.field for e in info.value.errors]
    assert fields == ["organisation.timezone", "units[2].opened", "obligations[1].receiver"]
    assert [e.line for e in info.value.errors] == sorted(e.line or 0 for e in info.value.errors)


def test_yaml_syntax_error_has_line() -> None:
    text = BASE.replace("  - {id: xa-a, name: UBND xã A", "  - {id: xa-a name: [UBND xã A", 1)
    with pytest.raises(CalendarError) as info:
        load_calendar_text(text, "thu.yaml")
    (issue,) = info.value.errors
    assert "lỗi cú pháp YAML" in issue.message
    assert issue.line is not None and 15 <= issue.line <= 17


def test_duplicate_yaml_key_is_an_error_not_an_overwrite() -> None:
    text = BASE.replace("  name: Lịch thử\n", "  name: Lịch thử\n  name: Lịch khác\n", 1)
    with pytest.raises(CalendarError) as info:
        load_calendar_text(text, "thu.yaml")
    assert "khóa bị lặp" in str(info.value)
    assert info.value.errors[0].line == 4


def test_not_a_mapping() -> None:
    with pytest.raises(CalendarError, match="phải là một bảng YAML"):
        load_calendar_text("- a\n- b\n", "list.yaml")


def test_missing_file_and_non_utf8(tmp_path) -> None:
    with pytest.raises(CalendarError, match="không tìm thấy tệp"):
        load_calendar(tmp_path / "nope.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: Lịch".encode("utf-16"))
    with pytest.raises(CalendarError, match="không phải UTF-8"):
        load_calendar(bad)


def test_yaml_12_scalars_are_not_coerced() -> None:
    """PyYAML would read NO as false and 0123 as 83; ids must stay what was written."""
    text = BASE.replace("{id: xa-a, name: UBND xã A", "{id: '0123', name: 'NO'", 1).replace(
        "focal_point: minh, opened", "focal_point: minh, opened", 1
    )
    cal = load_calendar_text(text.replace("[huyen]}", "[huyen]}", 1), "thu.yaml")
    assert cal.unit("0123").name == "NO"


def test_duplicate_calendar_ids_across_files(tmp_path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE, encoding="utf-8")
    b.write_text(BASE, encoding="utf-8")
    with pytest.raises(CalendarError, match="mã lịch 'test-cal' đã dùng trong"):
        load_calendars([a, b])


def test_markup_and_sql_in_names_are_kept_verbatim() -> None:
    name = "<script>alert(1)</script>'; DROP TABLE units;-- [bold]x[/bold]"
    text = BASE.replace("name: UBND xã A", f'name: "{name}"', 1)
    cal = load_calendar_text(text, "thu.yaml")
    assert cal.unit("xa-a").name == name


def test_a_phone_is_kept_as_people_write_it() -> None:
    from config.loader import load_calendar_text

    text = BASE.replace("email: lan@thu.example", "email: lan@thu.example, phone: (0204)  3812 345")
    [lan, *_] = load_calendar_text(text, "thu.yaml").people
    assert lan.phone == "(0204) 3812 345"
