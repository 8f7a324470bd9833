"""A workbook row as the calendar's entry: the forms people type (a kind in words, a phone
number Excel made a number, several focal points in one cell, a date cell) and the
template's example rows, which are never imported."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from config.workbook import LISTS, PEOPLE, UNITS, examples, template
from config.workbook_apply import RowIssue, apply, canonical, entry_of, in_order, validate
from config.workbook_read import Row, Sheets


def test_a_row_reads_as_people_type_it() -> None:
    unit = entry_of(
        UNITS,
        {"id": "xa-tan-hoa", "name": "UBND xã Tân Hòa", "kind": "Xã", "opened": date(2025, 7, 1),
         "focal_point": "dm-a, dm-b;dm-c", "head": "ct-a"},
    )  # fmt: skip
    assert unit == {
        "id": "xa-tan-hoa",
        "name": "UBND xã Tân Hòa",
        "kind": "commune",
        "focal_point": ["dm-a", "dm-b", "dm-c"],
        "head": "ct-a",
        "opened": "01/07/2025",
    }
    person = entry_of(PEOPLE, {"id": "dm-a", "name": "Lục Thị Hoa", "phone": 912345678})
    assert person["phone"] == "0912345678"
    assert entry_of(PEOPLE, {"id": "x", "name": "X", "phone": "0912 345 678"})["phone"] == (
        "0912 345 678"
    )


def test_entries_that_say_the_same_are_equal() -> None:
    written = {"id": "a", "name": "A", "kind": "ward", "focal_point": ["p"], "opened": "2025-07-01"}
    typed = {"id": "a", "name": "A", "kind": "ward", "focal_point": "p", "opened": "01/07/2025"}
    assert canonical(UNITS, written) == canonical(UNITS, typed)


def test_the_example_rows_are_skipped_and_a_changed_example_is_imported() -> None:
    document = {"units": [{"id": "tinh", "name": "UBND tỉnh", "kind": "province"}], "people": []}
    shown = examples(document["units"])
    assert shown[UNITS]["parent"] == "tinh", "the example sits under the calendar's own top unit"
    rows = [Row(UNITS, 2, dict(shown[UNITS])), Row(PEOPLE, 2, dict(shown[PEOPLE]))]
    untouched = apply(document, Sheets({UNITS: rows[:1], PEOPLE: rows[1:]}))
    assert (untouched.skipped, untouched.rows) == (2, 0)
    assert untouched.document["units"] == document["units"]
    edited = Row(UNITS, 2, {**shown[UNITS], "name": "UBND xã Mới"})
    taken = apply(document, Sheets({UNITS: [edited]}))
    assert taken.skipped == 0 and taken.document["units"][1]["name"] == "UBND xã Mới"


def test_loader_errors_are_named_by_cell_in_the_workbook_s_words() -> None:
    document = {
        "calendar": {"id": "thu"},
        "organisation": {"id": "ubnd", "name": "UBND tỉnh Thử"},
        "units": [{"id": "tinh", "name": "UBND tỉnh Thử", "kind": "province"}],
        "people": [],
        "obligations": [],
    }
    rows = [
        Row(UNITS, 2, {"id": "xa-a", "kind": "commune", "parent": "tinh"}, {"name": "B"}),
        Row(UNITS, 3, {"id": "xa-b", "name": "UBND xã B", "kind": "commune", "parent": "huyen"},
            {"parent": "D"}),
    ]  # fmt: skip
    applied = apply(document, Sheets({UNITS: rows}))
    _calendar, issues = validate(applied, "thu")
    said = sorted(str(i).split(" — ")[0] for i in issues)
    assert said == [
        "trang Đơn vị, dòng 2, cột B (Tên đơn vị): ô này không được để trống",
        "trang Đơn vị, dòng 3, cột D (Mã đơn vị cấp trên), giá trị 'huyen': đơn vị cấp trên "
        "'huyen' không có trong danh sách đơn vị",
    ]


def test_errors_come_in_the_order_a_person_fixes_them() -> None:
    issues = [
        RowIssue("c", PEOPLE, 2, "Email", "C"),
        RowIssue("general"),
        RowIssue("b", UNITS, 10, "Tên đơn vị", "B"),
        RowIssue("a2", UNITS, 9, "Đơn vị kế thừa (mã)", "I"),
        RowIssue("a1", UNITS, 9, "Mã đơn vị", "A"),
    ]
    assert [i.message for i in in_order(issues)] == ["a1", "a2", "b", "c", "general"]


def test_the_template_offers_kinds_parents_and_people_in_drop_downs() -> None:
    document = {
        "units": [{"id": "tinh", "name": "UBND tỉnh", "kind": "province"},
                  {"id": "doan-tn", "name": "Tỉnh đoàn", "kind": "youth_union", "parent": "tinh"}],
        "people": [{"id": "lan", "name": "Lan"}],
    }  # fmt: skip
    book = load_workbook(io.BytesIO(template(document)))
    lists = book[LISTS]
    kinds = [c.value for c in lists["A"][1:] if c.value]
    assert "commune" in kinds and "youth_union" in kinds, "the calendar's own kinds too"
    assert [c.value for c in lists["C"][1:] if c.value] == ["tinh", "doan-tn"]
    checks = {
        str(v.sqref): (v.formula1, v.errorStyle, v.showErrorMessage)
        for v in book[UNITS].data_validations.dataValidation
    }
    last = len(kinds) + 1
    assert checks["C2:C20000"] == (f"'{LISTS}'!$A$2:$A${last}", "warning", True)
    assert checks["D2:D20000"] == (f"'{LISTS}'!$C$2:$C$3", "warning", True)
    assert checks["F2:F20000"] == (f"'{LISTS}'!$D$2:$D$2", "warning", True)
    assert book[UNITS]["A2"].value == "xa-vi-du" and book[UNITS]["D2"].value == "tinh"
