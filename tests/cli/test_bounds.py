"""Dates, day counts, ids and texts typed on the command line are held to deadlines.bounds
where they enter (issue 12): one Vietnamese line, exit code 2, before anything is
contacted. An extension to 31/12/9999 used to reach the workflow and wedge it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hanchot.cli import app

BIMSON = Path(__file__).resolve().parents[2] / "config" / "examples" / "bimson-2017.yaml"
DEADLINE = "bimson-2017/bao-cao-6-thang/2025-H1/p-ba-dinh"
runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["extend", DEADLINE, "--approve", "--until", "31/12/9999"], "nằm ngoài khoảng"),
        (["extend", DEADLINE, "--approve", "--until", "01/01/0001"], "nằm ngoài khoảng"),
        (["extend", DEADLINE, "--approve", "--until", "30/02/2025"], "không có ngày"),
        (["extend", DEADLINE, "--approve", "--until", "2025-07-01"], "dạng dd/mm/yyyy"),
        (["extend", DEADLINE, "--days", "100000", "--reason", "chờ"], "--days phải từ 1 đến 90"),
        (["extend", DEADLINE, "--days", "0", "--reason", "chờ"], "--days phải từ 1 đến 90"),
        (["extend", DEADLINE + "\n", "--days", "5", "--reason", "chờ"], "mã hạn nộp"),
        (["extend", "a/b/c", "--days", "5", "--reason", "chờ"], "mã hạn nộp"),
        (["submit", DEADLINE, "--note", "x" * 3000], "dài 3.000 ký tự"),
        (["excuse", DEADLINE, "--reason", "x" * 3000], "dài 3.000 ký tự"),
        (["submit", DEADLINE, "--request-id", "r" * 100], "dài 100 ký tự, quá giới hạn 64"),
        (["status", "p-ba-dinh\n"], "mã 'p-ba-dinh\\n' không hợp lệ"),
        (["simulate", str(BIMSON), "--year", "99999"], "năm 99999 nằm ngoài khoảng 2000-2100"),
        (["link", "bimson-2017/a/b"], "dạng ma hoặc lich/ma"),
        (["link", "lan", "--hours", "1000000000000"], "--hours phải từ 1 đến 720"),
        (["user", "add", "a@b.example", "--role", "viewer", "--scope", "xa-a\n"], "không hợp lệ"),
    ],
)
def test_out_of_bounds_arguments_are_one_line_and_exit_2(
    args: list[str], fragment: str, tmp_path: Path
) -> None:
    env = {"COLUMNS": "300", "HANCHOT_DATA_DIR": str(tmp_path), "TEMPORAL_ADDRESS": "127.0.0.1:9"}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert fragment in result.output, result.output
    assert result.output.startswith("lỗi: ") and result.output.count("\n") == 1, result.output


@pytest.mark.parametrize(
    ("tail", "fragment"),
    [
        (
            "".join(f"_b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]\n" for i in range(1, 10)),
            "bí danh *b4 làm tệp lịch quá lớn",
        ),
        ("_deep: " + "[" * 1000 + "]" * 1000 + "\n", "lồng quá 20 cấp"),
    ],
)
def test_check_refuses_an_alias_bomb_and_deep_nesting_in_one_line(
    tail: str, fragment: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        BIMSON.read_text(encoding="utf-8") + "_b0: &b0 [x, x, x, x, x, x, x, x, x, x]\n" + tail,
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(bad)], env={"COLUMNS": "300"})
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("lỗi ")]
    assert len(lines) == 1 and lines[0].startswith(f"lỗi {bad}:") and fragment in lines[0]
    assert "Traceback" not in result.output
