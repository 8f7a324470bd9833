"""`hanchot db ...` and `hanchot load`: output in Vietnamese, errors as one line each."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from hanchot.cli import app
from store import db, migrate, models
from tests.store.store_factories import HOSTILE_NAME

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "examples" / "bimson-2017.yaml"


def run(*args: str, input: str | None = None) -> Result:
    # Wide enough that rich never wraps a line, so text can be matched verbatim.
    result = CliRunner().invoke(app, list(args), input=input, env={"COLUMNS": "400"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r}"
    )
    assert "Traceback" not in result.output
    return result


def one_line(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def edited_example(tmp_path: Path) -> Path:
    """The Bỉm Sơn calendar after a coordinator's edit: a renamed unit, a commune gone."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("name: Phòng Y tế,", f"name: {_yaml_quoted(HOSTILE_NAME)},")
    text = "\n".join(line for line in text.splitlines() if "id: x-ha-lan" not in line)
    path = tmp_path / "bimson-2017.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _yaml_quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_upgrade_current_downgrade(db_url: str) -> None:
    shown = db.masked(db_url)
    assert one_line(run("db", "current", "--database-url", db_url)) == (
        f"Cơ sở dữ liệu {shown}: chưa khởi tạo — chạy `hanchot db upgrade`."
    )
    upgraded = run("db", "upgrade", "--database-url", db_url)
    assert upgraded.exit_code == 0
    assert one_line(upgraded) == (f"Đã nâng cấp cơ sở dữ liệu {shown}: trống → {migrate.head()}.")
    assert "đã ở phiên bản mới nhất" in run("db", "upgrade", "--database-url", db_url).output
    assert one_line(run("db", "current", "--database-url", db_url)) == (
        f"Cơ sở dữ liệu {shown}: phiên bản {migrate.head()} (mới nhất)."
    )

    refused = run("db", "downgrade", "base", "--database-url", db_url, input="n\n")
    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == "Đã hủy: cơ sở dữ liệu không thay đổi."
    assert migrate.current(db_url) == migrate.head()

    down = run("db", "downgrade", "base", "--yes", "--database-url", db_url)
    assert down.exit_code == 0
    assert f"{migrate.head()} → trống" in down.output
    assert migrate.current(db_url) is None


def test_load_twice_then_a_changed_calendar(db_url: str, tmp_path: Path) -> None:
    migrate.upgrade(db_url)
    first = run("load", str(EXAMPLE), "--database-url", db_url)
    assert first.exit_code == 0
    assert one_line(first) == (
        "Đã nạp lịch bimson-2017 lần đầu: 27 người, 25 đơn vị, 3 nghĩa vụ báo cáo, "
        "1 người giám sát. Đã công bố phiên bản 1; hệ thống đang chạy sẽ áp dụng trong vài giây."
    )
    again = run("load", str(EXAMPLE), "--database-url", db_url)
    assert one_line(again) == (
        "Đã nạp lịch bimson-2017: không có thay đổi, không tạo phiên bản mới."
    )

    edited = edited_example(tmp_path)
    changed = run("load", str(edited), "--database-url", db_url)
    assert changed.exit_code == 0
    assert changed.output.splitlines()[0] == (
        "Đã nạp lịch bimson-2017: 2 thay đổi. Đã công bố phiên bản 2; hệ thống đang chạy sẽ"
        " áp dụng trong vài giây."
    )
    rows = changed.output
    assert f"tên: Phòng Y tế → {HOSTILE_NAME}" in rows, "shown verbatim, not as markup"
    assert "UBND xã Hà Lan" in rows and "bỏ khỏi cấu hình" in rows
    assert str(edited) not in rows, "the file a revision came from is not a change"

    engine = db.create_engine(db_url)
    try:
        with engine.connect() as connection:
            names = connection.execute(
                sa.select(models.Unit.name).where(models.Unit.key == "phong-y-te")
            ).scalars()
            assert list(names) == [HOSTILE_NAME]
    finally:
        engine.dispose()
    assert one_line(run("load", str(edited), "--database-url", db_url)) == (
        "Đã nạp lịch bimson-2017: không có thay đổi, không tạo phiên bản mới."
    )


def test_a_dry_run_stores_nothing(db_url: str) -> None:
    migrate.upgrade(db_url)
    dry = run("load", str(EXAMPLE), "--dry-run", "--database-url", db_url)
    assert dry.exit_code == 0
    assert dry.output.startswith("Chạy thử, không lưu: lịch bimson-2017 sẽ được nạp lần đầu")
    assert "lần đầu" in run("load", str(EXAMPLE), "--database-url", db_url).output


def test_load_needs_an_upgraded_database(db_url: str) -> None:
    result = run("load", str(EXAMPLE), "--database-url", db_url)
    assert result.exit_code == 1
    assert one_line(result) == (
        f"lỗi: cơ sở dữ liệu {db.masked(db_url)} đang ở phiên bản trống, cần "
        f"{migrate.head()}: chạy `hanchot db upgrade` trước."
    )


def test_an_invalid_calendar_stores_nothing(db_url: str, tmp_path: Path) -> None:
    migrate.upgrade(db_url)
    broken = tmp_path / "broken.yaml"
    broken.write_text(EXAMPLE.read_text(encoding="utf-8").replace("kind: ward", "kind: 7"))
    result = run("load", str(EXAMPLE), str(broken), "--database-url", db_url)
    assert result.exit_code == 1
    *problems, summary = result.output.splitlines()
    assert problems and all(line.startswith(f"lỗi {broken}:") for line in problems)
    assert summary == f"{len(problems)} lỗi; lịch không được nạp."
    assert "lần đầu" in run("load", str(EXAMPLE), "--database-url", db_url).output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://hanchot:s3cret@127.0.0.1:1/hanchot",
            "lỗi: không truy cập được cơ sở dữ liệu "
            "postgresql://hanchot:***@127.0.0.1:1/hanchot: connection failed: ",
        ),
        (
            "mysql://root:s3cret@localhost/hanchot",
            "lỗi: địa chỉ cơ sở dữ liệu không dùng được (mysql://root:***@localhost/hanchot): ",
        ),
        ("sqlite:////proc/hanchot/x.db", "lỗi: không truy cập được cơ sở dữ liệu sqlite:////proc"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["load", str(EXAMPLE)]])
def test_database_errors_are_one_line_without_the_password(
    url: str, expected: str, command: list[str]
) -> None:
    result = run(*command, "--database-url", url)
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith(expected)
    assert "s3cret" not in line


def test_an_unknown_revision_is_one_line(tmp_path: Path) -> None:
    result = run("db", "upgrade", "nosuch", "--database-url", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 1
    assert one_line(result).startswith("lỗi: không có phiên bản lược đồ như vậy: ")
