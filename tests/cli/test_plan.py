"""`hanchot check` and `hanchot plan` as a coordinator runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from icalendar import Calendar as ICal
from typer.testing import CliRunner

from hanchot.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "examples"
runner = CliRunner()


def _every_year(tmp: Path) -> Path:
    """bimson-2017 with its dates repeated every year, as a coordinator would carry a
    plan on: the example itself holds 2017 only, and 2025 has the weekend shifts to show."""
    text = (EXAMPLES / "bimson-2017.yaml").read_text(encoding="utf-8")
    text = text.replace("    from_year: 2017\n    until_year: 2017\n", "")
    text = text.replace(
        "    due: {H1: before 15/06}    #",
        "    data_window: nd09\n    due: {H1: before 15/06}    #",
    )
    path = tmp / "bimson-2017.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bimson(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _every_year(tmp_path_factory.mktemp("plan"))


def run(*args: str):
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_check_accepts_every_example() -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    result = run("check", *files)
    assert result.exit_code == 0, result.output
    assert "cảnh báo" not in result.output  # clean: no warning either
    assert result.output.count("hợp lệ") == len(files)


def test_check_reports_errors_one_line_each_without_traceback(tmp_path: Path, bimson: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = bimson.read_text(encoding="utf-8")
    bad.write_text(
        text.replace("receiver: phong-ldtbxh", "receiver: phong-khong-co", 1).replace(
            "due: before 15/12", "due: before 31/11", 1
        ),
        encoding="utf-8",
    )
    result = run("check", str(bad))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("lỗi ")]
    assert len(lines) == 2
    assert any(
        f"{bad}:" in line and "receiver" in line and "phong-khong-co" in line for line in lines
    )
    assert any("tháng 11 có 30 ngày" in line for line in lines)
    assert "Traceback" not in result.output
    assert "2 lỗi; lịch không được nạp." in result.output


def test_bimson_2025_plan_lists_three_obligations_for_every_unit(bimson: Path) -> None:
    result = run("plan", str(bimson), "--year", "2025", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    by_unit: dict[str, set[str]] = {}
    for row in rows:
        by_unit.setdefault(row["Mã đơn vị"], set()).add(row["Nghĩa vụ báo cáo"])
    assert len(by_unit) == 23  # every phòng ban, đoàn thể, xã/phường; not the receiver
    assert "phong-ldtbxh" not in by_unit and "ubnd-tx" not in by_unit
    assert all(len(obligations) == 3 for obligations in by_unit.values())
    six_month = [r for r in rows if r["Kỳ"] == "6 tháng đầu năm 2025"]
    assert {r["Hạn cuối"] for r in six_month} == {"Thứ Hai, 16/06/2025"}
    reason = six_month[0]["Lý do dời hạn"]
    assert "15/06/2025 là Chủ nhật" in reason and "Điều 148.5" in reason
    assert six_month[0]["Hạn theo văn bản"] == "trước ngày 15/06 (15/06/2025)"
    assert six_month[0]["Số liệu tính từ"] == "15/12/2024 – 14/06/2025"


def test_plan_table_shows_legal_end_and_reason(bimson: Path) -> None:
    result = run("plan", str(bimson), "--year", "2025", "--unit", "p-ba-dinh")
    assert result.exit_code == 0
    assert "Thứ Hai, 16/06/2025" in result.output
    assert "15/06/2025 là Chủ nhật" in result.output
    assert "UBND phường Ba Đình" in result.output
    assert "Phòng Nội vụ" not in result.output


def test_plan_json_and_ics(bimson: Path) -> None:
    result = run("plan", str(bimson), "--year", "2025", "--format", "json")
    data = json.loads(result.output)
    cycles = {c["cycle_id"]: c for c in data["cycles"]}
    h1 = cycles["cycle/bimson-2017/bao-cao-6-thang/2025-H1"]
    assert h1["shifted_over"][-1] == {
        "date": "2025-06-15",
        "reason": "Chủ nhật",
        "source": "cuối tuần",
    }
    assert h1["legal_end"] == "2025-06-16" and h1["legal_end_at"] == "2025-06-16T17:00:00+00:00"
    assert len(h1["units"]) == 23
    days = {d["date"]: d for d in data["days"]}
    assert days["2025-04-26"]["name"] == "Ngày làm việc bù"  # swapped for Friday 02/05
    assert days["2025-05-02"]["source"].startswith("gói holidays")
    ics = run("plan", str(bimson), "--year", "2025", "--format", "ics", "--unit", "x-ha-lan")
    cal = ICal.from_ical(ics.stdout_bytes)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 3
    assert any(c.name == "VTIMEZONE" for c in cal.walk())
    uids = {str(e["uid"]) for e in events}
    assert "deadline/bimson-2017/bao-cao-6-thang/2025-H1/x-ha-lan@hanchot" in uids


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--unit", "khong-co"), "đơn vị 'khong-co' không có trong lịch"),
        (("--year", "1900"), "năm 1900 nằm ngoài khoảng"),
    ],
)
def test_plan_bad_arguments_are_one_line(args: tuple[str, ...], message: str, bimson: Path) -> None:
    base = ["plan", str(bimson), "--year", "2025"]
    result = run(*base, *args) if "--year" not in args else run("plan", str(bimson), *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_unit_name_with_markup_is_shown_verbatim(tmp_path: Path, bimson: Path) -> None:
    name = "<script>alert(1)</script> [bold red]X[/bold red]'; DROP TABLE units;--"
    text = bimson.read_text(encoding="utf-8").replace(
        "name: UBND phường Ba Đình", f'name: "{name}"', 1
    )
    cfg = tmp_path / "markup.yaml"
    cfg.write_text(text, encoding="utf-8")
    table = run("plan", str(cfg), "--year", "2025", "--unit", "p-ba-dinh")
    assert name in table.output
    rows = list(
        csv.DictReader(io.StringIO(run("plan", str(cfg), "-y", "2025", "-f", "csv").output))
    )
    assert name in {r["Đơn vị"] for r in rows}
