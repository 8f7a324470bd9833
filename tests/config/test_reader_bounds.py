"""What a hostile or careless calendar can hold: each is refused with one file:line error.

Issue 12: an alias bomb used as a scalar, nesting 300+ deep, day counts that overflow
`plan`, ids with a trailing newline, names of 50 MB. Nothing may pass `check` and then
break `plan`, and nothing may ever be a traceback.
"""

from __future__ import annotations

import re

import pytest

from config.errors import CalendarError, ConfigIssue
from config.loader import load_calendar, load_calendar_text
from deadlines import bounds
from deadlines.plan import year_plan
from tests.config.test_loader_errors import BASE

_WHERE = re.compile(r"^thu\.yaml:\d+: ")


def refused(text: str) -> list[ConfigIssue]:
    with pytest.raises(CalendarError) as info:
        load_calendar_text(text, "thu.yaml")
    for issue in info.value.errors:
        assert _WHERE.match(str(issue)), str(issue)
        assert len(str(issue)) < 400, str(issue)[:400]
    return info.value.errors


def _bomb(levels: int, width: int = 10) -> str:
    """Anchors each holding `width` aliases of the previous one: width**levels when expanded."""
    lines = [f"_a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"_a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_of_a_list_used_as_a_scalar_is_refused_where_it_is_used() -> None:
    text = _bomb(5) + BASE.replace(
        "parent: huyen, focal_point: lan", "parent: *a4, focal_point: lan"
    )
    issues = refused(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "*a4, focal_point" in t)
    parent = [e for e in issues if e.field == "units[1].parent"]
    assert parent and parent[0].line == line
    assert "giá trị đơn" in parent[0].message


def test_alias_bomb_is_refused_before_it_is_expanded() -> None:
    text = _bomb(9) + BASE.replace(
        "parent: huyen, focal_point: lan", "parent: *a8, focal_point: lan"
    )
    (issue,) = refused(text)
    # _a5, line 6, is the first anchor past the bound (10**6 values once expanded)
    assert bounds.YAML_MAX_NODES < 10**6
    assert "bí danh *a4" in issue.message and issue.line == 6


def test_recursive_alias_is_refused() -> None:
    (issue,) = refused(BASE + "_r: &r [x, *r]\n")
    assert "bí danh" in issue.message
    assert issue.line == len(BASE.splitlines()) + 1


@pytest.mark.parametrize("depth", [300, 1000, 5000])
def test_deep_nesting_is_one_error_not_a_recursion_error(depth: int) -> None:
    for nested in ("[" * depth + "]" * depth, "{a: " * depth + "1" + "}" * depth):
        (issue,) = refused(BASE + "_deep: " + nested + "\n")
        assert "lồng" in issue.message and issue.line == len(BASE.splitlines()) + 1


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("[-7d, -1d, 0d]", "[-99999999999d]", "defaults.reminders[0]"),
        ("[-7d, -1d, 0d]", "[-400d]", "defaults.reminders[0]"),
        ("[-7d, -1d, 0d]", "[-99999w]", "defaults.reminders[0]"),
        ("[-7d, -1d, 0d]", "[-7d, -" + "9" * 5000 + "d]", "defaults.reminders[1]"),
        (
            "  reminders: [-7d, -1d, 0d]",
            "  escalation: [{after: 99999999999d, to: head}]",
            "defaults.escalation[0].after",
        ),
        (
            "  reminders: [-7d, -1d, 0d]",
            "  escalation: [{after: 9000h, to: head}]",
            "defaults.escalation[0].after",
        ),
        ("  reminders: [-7d, -1d, 0d]", "  open_before: 99999999999d", "defaults.open_before"),
        ("  reminders: [-7d, -1d, 0d]", "  open_before: 53w", "defaults.open_before"),
        ("opened: 01/01/2020", "opened: 31/12/9999", "units[2].opened"),
        ("opened: 01/01/2020", "opened: 9999-12-31", "units[2].opened"),
        ("opened: 01/01/2020", "opened: 01/01/0001", "units[2].opened"),
        (
            "working_saturdays: [10/01/2026]",
            "working_saturdays: [31/12/9999]",
            "working_saturdays[0]",
        ),
        (
            "period: annual\n    due: before 15/12",
            "period: one_off\n    due: before 15/12/9999",
            "obligations[1].due",
        ),
    ],
)
def test_day_counts_and_dates_out_of_bounds_are_refused(old: str, new: str, field: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    issues = refused(text)
    assert field in [e.field for e in issues], "\n".join(map(str, issues))


@pytest.mark.parametrize(("reminder", "after", "opens"), [("-366d", "8784h", "52w")])
def test_longest_allowed_spans_still_plan(reminder: str, after: str, opens: str) -> None:
    text = BASE.replace(
        "  reminders: [-7d, -1d, 0d]",
        f"  reminders: [{reminder}, 0d]\n  escalation: [{{after: {after}, to: head}}]\n"
        f"  open_before: {opens}",
    ).replace("opened: 01/01/2020", f"opened: {bounds.EARLIEST_DATE:%d/%m/%Y}")
    cal = load_calendar_text(text, "thu.yaml")
    for year in (bounds.FIRST_YEAR, bounds.LAST_YEAR):
        assert year_plan(cal, year, None)


@pytest.mark.parametrize("bad", ['"xa-a\\n"', '"xa-a\\n\\n"', '"\\nxa-a"', '"xa-a "'])
def test_id_with_a_newline_is_not_a_look_alike_unit(bad: str) -> None:
    issues = refused(BASE.replace("{id: xa-a,", "{id: " + bad + ",", 1))
    (issue,) = [e for e in issues if e.field == "units[2].id"]
    assert "không hợp lệ" in issue.message and "\n" not in str(issue)


def test_oversize_name_is_refused_without_echoing_it() -> None:
    issues = refused(BASE.replace("name: UBND xã A", "name: " + "A" * 100_000, 1))
    (issue,) = [e for e in issues if e.field == "units[2].name"]
    assert "100.000" in issue.message


def test_oversize_file_is_refused_unread(tmp_path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as out:
        out.write(BASE)
        out.write("# " + "x" * (bounds.CALENDAR_MAX_BYTES + 1) + "\n")
    with pytest.raises(CalendarError) as info:
        load_calendar(big)
    (issue,) = info.value.errors
    assert "quá lớn" in issue.message and issue.file == str(big)
    (text_issue,) = refused(big.read_text(encoding="utf-8"))
    assert "quá lớn" in text_issue.message


def test_anchors_and_merge_keys_of_a_normal_size_still_work() -> None:
    text = (
        BASE.replace("  - {id: lan,", "  - &lan {id: lan,", 1)
        .replace("parent: huyen, focal_point: lan", "parent: &h huyen, focal_point: lan")
        .replace(
            "{id: xa-a, name: UBND xã A, kind: commune, parent: huyen",
            "{id: xa-a, name: UBND xã A, kind: commune, parent: *h",
        )
    )
    cal = load_calendar_text(text, "thu.yaml")
    assert cal.unit("xa-a").parent == "huyen"


def test_duplicate_key_names_the_key_not_its_whole_value() -> None:
    (issue,) = refused(BASE.replace("units:\n", "units:\nunits:\n", 1))
    assert issue.message == "lỗi cú pháp YAML: khóa bị lặp: 'units'"


def test_anchor_set_twice_is_refused() -> None:
    text = BASE.replace("parent: huyen, focal_point: lan", "parent: &p huyen, focal_point: &p lan")
    (issue,) = refused(text)
    assert "nhãn &p đã đặt ở dòng" in issue.message


def test_merge_keys_are_read_with_a_line() -> None:
    person = "  - {id: lan, name: Nguyễn Thị Lan, email: lan@thu.example}"
    text = BASE.replace(person, "  - &p" + person[3:] + "\n  - {<<: *p, id: lan2}", 1)
    cal = load_calendar_text(text, "thu.yaml")
    assert [p.name for p in cal.people if p.id == "lan2"] == ["Nguyễn Thị Lan"]
    issues = refused(text.replace("{<<: *p, id: lan2}", "{<<: *p, id: lan2, name: [x]}"))
    assert [e.field for e in issues] == ["people[1].name"]


def test_an_unknown_key_is_named_shortly() -> None:
    (issue,) = refused(BASE + "k" * 1000 + ": 1\n")
    assert "không được hỗ trợ" in issue.message


@pytest.mark.parametrize(
    "key", ["? [*p]\n: 1\n", "? [{x: 1}]\n: 1\n", "? {x: 1}\n: 1\n", "*p : 1\n"]
)
def test_a_table_list_or_alias_as_a_key_is_refused(key: str) -> None:
    text = BASE.replace("  - {id: lan,", "  - &p {id: lan,", 1) + key
    (issue,) = refused(text)
    assert "khóa phải là một giá trị đơn" in issue.message
    assert issue.line == len(BASE.splitlines()) + 1


def test_a_source_sentence_may_be_a_paragraph_but_not_a_book() -> None:
    obligation = "    receiver: phong-ld\n    feeds: bc-6-thang\n"
    paragraph = "Các sở, ban, ngành báo cáo kết quả thực hiện " * 30  # about 1.350 characters
    cal = load_calendar_text(
        BASE.replace(obligation, obligation + f"    source: {paragraph}\n"), "t"
    )
    assert cal.obligation("bc-nam").source == paragraph.strip()
    issues = refused(BASE.replace(obligation, obligation + f"    source: {paragraph * 2}\n"))
    assert [e.field for e in issues] == ["obligations[1].source"]


def test_load_publishes_nothing_from_an_oversize_file(tmp_path) -> None:
    """`hanchot load` reads files through the same bound as `check` (it once had its own,
    unbounded read)."""
    from activities.publishing import read_files

    big = tmp_path / "big.yaml"
    with big.open("wb") as out:  # bytes past the bound that are not UTF-8: never read
        out.write(BASE.encode() + b"# " + b"x" * bounds.CALENDAR_MAX_BYTES + b"\xff\n")
    with pytest.raises(CalendarError) as info:
        read_files([big])
    (issue,) = info.value.errors
    assert "quá lớn" in issue.message and issue.file == str(big)
