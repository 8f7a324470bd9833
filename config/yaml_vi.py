"""The YAML parser's (ruamel's) messages about a syntax error, said in Vietnamese: a
calendar is written by a person who reads Vietnamese, and "expected ',' or '}', but got
':'" tells them nothing. Known shapes are translated; anything else keeps the parser's
words after a Vietnamese lead-in (see config.source.parse_yaml)."""

from __future__ import annotations

import re

TOKENS = {
    "<block end>": "hết khối",
    "<block mapping start>": "đầu một bảng",
    "<flow mapping end>": "'}'",
    "<flow sequence end>": "']'",
    "<document start>": "đầu tài liệu",
    "<stream end>": "hết tệp",
    "<scalar>": "một giá trị",
    "<block sequence start>": "đầu một danh sách",
}
PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^found character '\\t' that cannot start any token$"),
        "dùng phím Tab để thụt lề; YAML chỉ nhận dấu cách",
    ),
    (re.compile(r"^expected (.+), but got (.+?)$"), "cần {0} nhưng gặp {1}"),
    (re.compile(r"^expected (.+), but found (.+?)$"), "cần {0} nhưng gặp {1}"),
    (
        re.compile(r"^mapping values are not allowed here$"),
        "không được có dấu ':' ở đây (giá trị chứa ':' cần đặt trong ngoặc kép, hoặc thụt lề sai)",
    ),
    (re.compile(r"^could not find expected ':'$"), "thiếu dấu ':' sau khóa"),
    (re.compile(r"^found unexpected end of stream$"), "tệp kết thúc giữa chừng (thiếu dấu đóng?)"),
    (
        re.compile(r"^found character '(.+)' that cannot start any token$"),
        "ký tự '{0}' không được đứng đầu một giá trị (đặt giá trị trong ngoặc kép)",
    ),
    (re.compile(r"^found undefined alias '?(.+?)'?$"), "bí danh '{0}' chưa được định nghĩa"),
    (
        re.compile(r"^found duplicate key \"?(.+?)\"?(?: with value .*)?$", re.S),
        "khóa bị lặp: '{0}'",
    ),
    (re.compile(r"^found unknown escape character '?(.+?)'?$"), "ký tự thoát '{0}' không hợp lệ"),
    (
        re.compile(
            r"^found a tab character (?:where an indentation space is expected|that violates"
            r" indentation)$"
        ),
        "dùng phím Tab để thụt lề; YAML chỉ nhận dấu cách",
    ),
    (re.compile(r"^while (?:parsing|scanning) (.+)$"), "trong khi đọc {0}"),
]
PHRASES = {
    "a block mapping": "một bảng",
    "a flow mapping": "một bảng {...}",
    "a flow sequence": "một danh sách [...]",
    "a block collection": "một khối",
    "a quoted scalar": "một chuỗi trong ngoặc kép",
    "a simple key": "một khóa",
    "a plain scalar": "một giá trị",
    "a directive": "một chỉ thị",
    "an anchor": "một neo (&)",
    "an alias": "một bí danh (*)",
}


def _token(text: str) -> str:
    text = text.strip()
    for english, vietnamese in {**TOKENS, **PHRASES}.items():
        text = text.replace(english, vietnamese)
    return text.replace(" or ", " hoặc ")


def problem_vi(problem: str) -> str:
    """The parser's `problem` (or `context`) in Vietnamese; unknown ones unchanged."""
    text = " ".join(problem.split())
    for pattern, template in PROBLEMS:
        found = pattern.match(text)
        if found:
            return template.format(*(_token(g) for g in found.groups()))
    return text
