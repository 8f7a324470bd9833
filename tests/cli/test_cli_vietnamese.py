"""Typer's own words in Vietnamese: `--help`, usage lines and command-line errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hanchot.cli import app

runner = CliRunner()
ENGLISH = ("Usage:", "Options", "Show this message", "Missing argument", "No such", "Error")


def test_help_is_in_vietnamese() -> None:
    result = runner.invoke(app, ["status", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for word in (
        "Cách dùng:",
        "Tham số",
        "Tùy chọn",
        "Hiện hướng dẫn này rồi thoát.",
        "[bắt buộc]",
    ):
        assert word in result.output, result.output
    assert not [w for w in ENGLISH if w in result.output], result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["status"], "Thiếu tham số 'unit'."),
        (["extend", "x", "--bogus"], "Không có tùy chọn --bogus."),
        (["extend", "x", "--days", "abc"], "cần một số nguyên"),
        (["khong-co-lenh"], "Không có lệnh 'khong-co-lenh'"),
    ],
)
def test_command_line_errors_are_in_vietnamese(args: list[str], said: str) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert said in text and "Lỗi" in text and "Xem hướng dẫn" in text, text
    assert not [w for w in ENGLISH if w in text], text
