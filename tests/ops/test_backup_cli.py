"""`hanchot export` and `hanchot import` as a coordinator runs them: exit codes and the
Vietnamese lines they print."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hanchot.cli import app
from store import migrate
from store.backup import tables
from tests.ops.backup_support import flip_byte_inside, members
from tests.ops.backup_world import populate, snapshot

runner = CliRunner()


@pytest.fixture
def deployment(tmp_path: Path) -> dict[str, str]:
    """A populated SQLite deployment, as the environment names it."""
    url = f"sqlite:///{tmp_path / 'data' / 'hanchot.db'}"
    populate(url, tmp_path / "data")
    return _env(tmp_path / "data", url)


def _env(data_dir: Path, url: str) -> dict[str, str]:
    return {
        "HANCHOT_DATA_DIR": str(data_dir),
        "HANCHOT_DATABASE_URL": url,
        "HANCHOT_SECRET": "",
        "HANCHOT_SECRET_FILE": "",
        "COLUMNS": "400",
    }


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = runner.invoke(app, args, env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_export_then_import_elsewhere(tmp_path: Path, deployment: dict[str, str]) -> None:
    archive = tmp_path / "sao-luu.zip"
    code, out = _run(["export", str(archive)], deployment)
    assert code == 0, out
    assert f"Đã xuất bản sao lưu {archive}: {len(tables())} bảng, 62 dòng, 2 tệp" in out
    assert "Không kèm khóa triển khai (thêm --include-secret nếu cần)" in out
    assert "unit_deadlines" in out

    target_url = f"sqlite:///{tmp_path / 'moi' / 'hanchot.db'}"
    code, out = _run(["import", str(archive), "--check"], _env(tmp_path / "moi", target_url))
    assert code == 0, out
    assert f"Tệp sao lưu {archive} nguyên vẹn: {len(tables())} bảng, 62 dòng, 2 tệp" in out
    assert "kèm khóa triển khai: không. Không có gì được nhập." in out
    assert not (tmp_path / "moi").exists()

    code, out = _run(["export", str(archive)], deployment)
    assert code == 1
    assert f"lỗi: {archive} đã có; chọn tên khác hoặc thêm --force để ghi đè." in out

    code, out = _run(["import", str(archive)], _env(tmp_path / "moi", target_url))
    assert code == 0, out
    assert f"vào {target_url}: {len(tables())} bảng, 62 dòng, 2 tệp" in out
    assert "2 tệp mới ghi vào" in out
    assert f"lược đồ phiên bản {migrate.head()}" in out
    assert "Bản sao lưu không kèm khóa triển khai" in out
    assert "Chú ý: 1 kỳ báo cáo đang mở, 1 hạn nộp chưa xong" in out
    assert "Hãy khôi phục cả cơ sở dữ liệu của Temporal" in out
    assert snapshot(target_url) == snapshot(deployment["HANCHOT_DATABASE_URL"])


def test_import_over_data_needs_replace(tmp_path: Path, deployment: dict[str, str]) -> None:
    archive = tmp_path / "b.zip"
    assert _run(["export", str(archive)], deployment)[0] == 0
    code, out = _run(["import", str(archive)], deployment)
    assert code == 1
    listed = "calendars: 1, leases: 1, login_throttle: 1"
    assert f"đã có dữ liệu (62 dòng trong 27 bảng — {listed}" in out
    assert "Thêm --replace để xóa hết rồi nhập" in out
    assert out.rstrip().endswith("Không có gì thay đổi.")

    code, out = _run(["import", str(archive), "--replace"], deployment)
    assert code == 0, out
    assert "Đã xóa 62 dòng có sẵn trước khi nhập (--replace)." in out
    assert "0 tệp mới ghi vào" in out


def test_secret_travels_only_with_the_flag(tmp_path: Path, deployment: dict[str, str]) -> None:
    archive = tmp_path / "k.zip"
    code, out = _run(["export", str(archive), "--include-secret"], deployment)
    assert code == 1
    assert "lỗi: không có khóa triển khai để kèm" in out
    assert not archive.exists()

    missing = {**deployment, "HANCHOT_SECRET_FILE": str(tmp_path / "khong-co")}
    code, out = _run(["export", str(archive), "--include-secret"], missing)
    assert code == 1
    assert (
        f"lỗi: không đọc được khóa triển khai từ HANCHOT_SECRET_FILE ({tmp_path / 'khong-co'})"
        in out
    )

    (Path(deployment["HANCHOT_DATA_DIR"]) / "secret.key").write_text("k" * 43 + "\n")
    code, out = _run(["export", str(archive), "--include-secret"], deployment)
    assert code == 0, out
    assert "Có kèm khóa triển khai: giữ tệp sao lưu này kín như một mật khẩu." in out
    assert members(archive)["secret.key"] == b"k" * 43 + b"\n"
    assert "k" * 43 not in out

    other = tmp_path / "khac"
    env = {**_env(other, f"sqlite:///{other / 'h.db'}"), "HANCHOT_SECRET_FILE": "/run/x"}
    code, out = _run(["import", str(archive)], env)
    assert code == 0, out
    assert f"Đã khôi phục khóa triển khai vào {other / 'secret.key'}." in out
    assert "Chú ý: HANCHOT_SECRET_FILE đang được đặt và được dùng thay cho" in out
    assert (other / "secret.key").read_text() == "k" * 43 + "\n"


def test_damaged_archive_is_named(tmp_path: Path, deployment: dict[str, str]) -> None:
    archive = tmp_path / "b.zip"
    assert _run(["export", str(archive)], deployment)[0] == 0
    flip_byte_inside(archive, "tables/outbox.jsonl")
    target = _env(tmp_path / "t", f"sqlite:///{tmp_path / 't' / 'h.db'}")
    code, out = _run(["import", str(archive)], target)
    assert code == 1
    assert f"lỗi: thành phần tables/outbox.jsonl của {archive} bị hỏng hoặc bị cắt cụt" in out
    assert "Không có gì thay đổi." in out

    code, out = _run(["import", str(archive), "--check"], target)
    assert code == 1
    assert "tables/outbox.jsonl" in out

    archive.write_bytes(archive.read_bytes()[:1000])
    code, out = _run(["import", str(archive)], target)
    assert code == 1
    assert f"lỗi: {archive} không phải tệp sao lưu đọc được (zip hỏng hoặc bị cắt cụt)." in out

    code, out = _run(["import", str(tmp_path / "khong-co.zip")], target)
    assert code == 1
    assert "không có tệp này" in out


def test_export_needs_the_newest_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0001")
    code, out = _run(["export", str(tmp_path / "b.zip")], _env(tmp_path, url))
    assert code == 1
    assert f"ở lược đồ phiên bản 0001, cần {migrate.head()}: chạy `hanchot db upgrade`" in out
    assert not (tmp_path / "b.zip").exists()
