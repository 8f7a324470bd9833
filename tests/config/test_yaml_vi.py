"""YAML syntax errors in a calendar are said in Vietnamese, with their line."""

from __future__ import annotations

import re

import pytest

from config.errors import CalendarError
from config.loader import load_calendar_text

CASES = [
    ("calendar: {id: x, name: y\nunits: [\n", 2, "cần ',' hoặc '}' nhưng gặp ':'"),
    ("calendar: a: b\n", 1, "không được có dấu ':' ở đây"),
    ('calendar: "abc\n', 2, "tệp kết thúc giữa chừng"),
    ("calendar: 1\ncalendar: 2\n", 2, "khóa bị lặp: 'calendar'"),
    ("calendar:\n\t- b\n", 2, "dùng phím Tab để thụt lề"),
    ("calendar: @x\n", 1, "ký tự '@' không được đứng đầu một giá trị"),
    ("calendar: *nope\n", 1, "bí danh 'nope' chưa được định nghĩa"),
]
ENGLISH = re.compile(r"\b(expected|found|but got|mapping|while|scanning|parsing|token)\b")


@pytest.mark.parametrize(("text", "line", "said"), CASES)
def test_yaml_syntax_errors_are_in_vietnamese(text: str, line: int, said: str) -> None:
    with pytest.raises(CalendarError) as info:
        load_calendar_text(text, "thu.yaml")
    [issue] = info.value.errors
    assert issue.line == line, str(info.value)
    assert said in issue.message and not ENGLISH.search(issue.message), issue.message
