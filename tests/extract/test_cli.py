"""`hanchot extract` as a coordinator runs it: propose, review, merge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from config.loader import load_calendar
from hanchot.cli import app

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "seeds"
EXAMPLES = ROOT / "config" / "examples"
runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["extract", *args], env={"COLUMNS": "200"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def seed(name: str) -> Path:
    (path,) = SEEDS.glob(f"{name}_*.txt")
    return path


def empty_calendar(tmp_path: Path, example: str) -> Path:
    """The example calendar with its units and people but no obligations yet."""
    text = (EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("\nobligations:\n")
    tail = rest[rest.index("\n# Each year") :]
    path = tmp_path / f"{example}.yaml"
    path.write_text(head + "\nobligations: []\n" + tail, encoding="utf-8")
    return path


def test_proposals_are_calendar_yaml_with_evidence_and_flags() -> None:
    result = run(str(seed("000")))
    assert result.exit_code == 0
    data = YAML(typ="safe").load(result.stdout)
    got = {o["id"]: o for o in data["obligations"]}
    assert set(got) == {"bao-cao-so-ket-6-thang", "bao-cao-tong-ket-nam"}
    assert got["bao-cao-tong-ket-nam"]["due"] == "before 05/12"
    assert got["bao-cao-so-ket-6-thang"]["due"] is None  # "516": left empty, flagged
    assert got["bao-cao-so-ket-6-thang"]["receiver"] == "so-ldtbxh"
    flat = re.sub(r"\s*\n\s*# ", " ", result.stdout)  # comments are wrapped at 96 columns
    assert "⚠ CẦN XÁC NHẬN — hạn nộp: Ngày «trước ngày 516» có thể là lỗi" in flat
    assert "Ứng viên: 05/06. («--accept bao-cao-so-ket-6-thang» sẽ dùng" in flat
    assert "due        ← «trước ngày 5/12» (dòng 151, cột 55)" in result.stdout
    assert "hạn cuối: hết ngày 04/12" in result.stdout
    assert "2 đề xuất từ 000_thanhhoa_2012_ctct_810.txt" in result.stderr


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "de-xuat.yaml"
    result = run(str(seed("002")), "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert "window: 15/11 - 15/12" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["khong-co.txt"], "không tìm thấy tệp"),
        (["pyproject.toml"], "không đọc được định dạng «.toml»"),
        (["x.yaml"], "dùng cùng --merge"),
        ([str(SEEDS / "001_bimson_2017_kh_268.txt"), "--accept", "x"], "chỉ dùng cùng --merge"),
    ],
)
def test_errors_are_one_line_without_traceback(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_merge_skips_flagged_proposals_until_accepted(tmp_path: Path) -> None:
    cal = empty_calendar(tmp_path, "bimson-2017")
    before = cal.read_text(encoding="utf-8")
    result = run(str(seed("001")), "--merge", str(cal))
    assert result.exit_code == 1
    assert "bỏ qua ke-hoach-nam: cần xác nhận đơn vị nộp" in result.stderr
    assert "--accept ke-hoach-nam" in result.stderr
    assert cal.read_text(encoding="utf-8") == before

    ids = ["ke-hoach-nam", "bao-cao-6-thang", "bao-cao-nam"]
    result = run(str(seed("001")), "--merge", str(cal), *[a for i in ids for a in ("--accept", i)])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "bimson-2017.yaml.bak").read_text(encoding="utf-8") == before
    merged = cal.read_text(encoding="utf-8")
    assert merged.startswith(before.split("\nobligations:")[0])  # comments and layout kept
    assert "# Trích từ 001_bimson_2017_kh_268.txt, dòng 111 (hanchot extract)" in merged
    calendar = load_calendar(cal)
    assert [o.id for o in calendar.obligations] == ids
    half = calendar.obligation("bao-cao-6-thang")
    assert [(r.slot, r.on.day, r.on.month) for r in half.due if r.on] == [("H1", 15, 6)]
    assert calendar.obligation("ke-hoach-nam").from_year == 2017
    assert set(half.submitters.kinds) == {"department", "mass_organisation", "ward", "commune"}

    again = run(str(seed("001")), "--merge", str(cal), *[a for i in ids for a in ("--accept", i)])
    assert again.exit_code == 0
    assert "đã có đủ các nghĩa vụ này" in again.stderr
    assert cal.read_text(encoding="utf-8") == merged


def test_merge_ready_proposals_and_dry_run(tmp_path: Path) -> None:
    cal = empty_calendar(tmp_path, "so-ldtbxh-2019")
    before = cal.read_text(encoding="utf-8")
    dry = run(str(seed("002")), "--merge", str(cal), "--dry-run")
    assert dry.exit_code == 0 and "chưa ghi tệp" in dry.stderr
    assert cal.read_text(encoding="utf-8") == before
    out = tmp_path / "merged.yaml"
    result = run(str(seed("002")), "--merge", str(cal), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "bỏ qua thang-hanh-dong: cần xác nhận đơn vị nộp, nơi nhận" in result.stderr
    assert cal.read_text(encoding="utf-8") == before  # -o: the calendar itself is untouched
    calendar = load_calendar(out)
    assert [o.id for o in calendar.obligations] == ["bao-cao-6-thang", "bao-cao-nam"]
    assert calendar.obligation("bao-cao-nam").due[0].text == "before 25/11"


def test_reviewed_proposals_file_is_merged_once_filled_in(tmp_path: Path) -> None:
    proposals = tmp_path / "de-xuat.yaml"
    assert run(str(seed("000")), "-o", str(proposals)).exit_code == 0
    cal = empty_calendar(tmp_path, "thanhhoa-2012")
    result = run(str(proposals), "--merge", str(cal))
    assert result.exit_code == 1
    assert "bỏ qua bao-cao-so-ket-6-thang: còn trống đơn vị nộp, hạn nộp" in result.stderr

    text = proposals.read_text(encoding="utf-8")
    text = text.replace("    due:  # CẦN XÁC NHẬN (xem trên)", "    due: {H1: before 05/06}")
    text = text.replace(
        "    submitters:  # CẦN XÁC NHẬN (xem trên)",
        "    submitters: {kinds: [department, district]}",
    )
    proposals.write_text(text, encoding="utf-8")
    result = run(str(proposals), "--merge", str(cal))
    assert result.exit_code == 0, result.stderr
    calendar = load_calendar(cal)
    assert [o.id for o in calendar.obligations] == [
        "bao-cao-so-ket-6-thang",
        "bao-cao-tong-ket-nam",
    ]
    assert calendar.obligation("bao-cao-so-ket-6-thang").due[0].on.month == 6  # type: ignore[union-attr]


def test_invalid_result_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    proposals = tmp_path / "de-xuat.yaml"
    run(str(seed("003")), "-o", str(proposals))
    text = proposals.read_text(encoding="utf-8").replace("due: before 10/11", "due: before 31/11")
    proposals.write_text(text, encoding="utf-8")
    cal = empty_calendar(tmp_path, "langson-2018")
    before = cal.read_text(encoding="utf-8")
    result = run(str(proposals), "--merge", str(cal))
    assert result.exit_code == 1
    assert "31/11" in result.stderr and "chưa ghi gì" in result.stderr
    assert cal.read_text(encoding="utf-8") == before
    assert not (tmp_path / "langson-2018.yaml.bak").exists()


def test_receiver_missing_from_the_calendar_is_skipped(tmp_path: Path) -> None:
    cal = empty_calendar(tmp_path, "bimson-2017")  # a town calendar has no Sở LĐTBXH
    result = run(str(seed("004")), "--merge", str(cal))
    assert result.exit_code == 1
    assert "nơi nhận «Sở Lao động - Thương binh và Xã hội» (so-ldtbxh) không có" in result.stderr
