"""`hanchot calendar import-units|export-units` on SQLite and PostgreSQL: a 500-row workbook
of new communes with their focal points, one bad row refusing the whole file by its row
and column, the fix applied as 500 additions, the same file twice changing nothing; the
template, the export that imports back unchanged, and the exit codes."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import Result

from activities.publishing import read_file
from config.workbook import UNITS
from store import db, models
from tests.config.workbooks import filled, new_communes
from tests.store.conftest import db_url, migrated_url, postgres_database
from tests.store.test_db_command import run

__all__ = ["db_url", "migrated_url", "postgres_database"]  # the fixtures, on both backends
LANGSON = Path(__file__).resolve().parents[2] / "config" / "examples" / "langson-2025.yaml"
CAL = "langson-2025"


def _revisions(url: str) -> list[tuple[int, str]]:
    engine = db.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(models.CalendarRevision.number, models.CalendarRevision.source).order_by(
                    models.CalendarRevision.number
                )
            )
            return [(n, s) for n, s in rows]
    finally:
        engine.dispose()


def _cli(url: str, *args: str) -> Result:
    return run("calendar", *args, "--database-url", url)


def test_a_500_row_workbook_with_one_bad_row_then_fixed(migrated_url: str, tmp_path: Path) -> None:
    assert run("load", str(LANGSON), "--database-url", migrated_url).exit_code == 0
    template = tmp_path / "mau.xlsx"
    made = _cli(migrated_url, "import-units", CAL, str(template), "--template")
    assert made.exit_code == 0 and "Đã ghi tệp mẫu của lịch langson-2025" in made.output
    again = _cli(migrated_url, "import-units", CAL, str(template), "--template")
    assert again.exit_code == 1 and "đã có" in again.output, "never overwrites a filled file"

    _calendar, document = read_file(LANGSON)
    taken = {u["id"] for u in document["units"]} | {p["id"] for p in document["people"]}
    rows = new_communes(250, "ubnd-tinh", taken)
    rows[UNITS][189 - 2]["closed"] = "31/02/2026"  # the 188th unit: sheet row 189
    bad = tmp_path / "xa-moi.xlsx"
    bad.write_bytes(filled(template.read_bytes(), rows))

    refused = _cli(migrated_url, "import-units", CAL, str(bad))
    text = " ".join(refused.output.split())
    assert refused.exit_code == 1, refused.output
    assert "trang Đơn vị, dòng 189, cột H (Ngày giải thể), giá trị '31/02/2026'" in text
    assert "tháng 2/2026 có 28 ngày" in text
    assert "1 lỗi; không có gì được nhập" in text
    assert _revisions(migrated_url) == [(1, "yaml")]

    rows[UNITS][189 - 2]["closed"] = None
    good = tmp_path / "xa-moi-da-sua.xlsx"
    good.write_bytes(filled(template.read_bytes(), rows))
    dry = _cli(migrated_url, "import-units", CAL, str(good), "--dry-run")
    text = " ".join(dry.output.split())
    assert dry.exit_code == 0, dry.output
    assert "500 dòng dữ liệu" in text and "Người: thêm 250, sửa 0." in text
    wards = sum(u["kind"] == "ward" for u in rows[UNITS])
    assert 0 < wards < 250
    assert f"xã (commune) │ {250 - wards} │ 0 │ 0" in text
    assert f"phường (ward) │ {wards} │ 0 │ 0" in text
    assert dry.output.count("│ thêm") == 500
    assert "Chạy thử, không lưu: sẽ là phiên bản 2." in text
    assert _revisions(migrated_url) == [(1, "yaml")]

    applied = _cli(migrated_url, "import-units", CAL, str(good))
    assert applied.exit_code == 0, applied.output
    assert "Đã công bố phiên bản 2 (nhập từ Excel)" in applied.output
    assert _revisions(migrated_url) == [(1, "yaml"), (2, "import")]
    twice = _cli(migrated_url, "import-units", CAL, str(good))
    assert twice.exit_code == 0 and "không tạo phiên bản mới" in twice.output
    assert _revisions(migrated_url) == [(1, "yaml"), (2, "import")]
    history = _cli(migrated_url, "history", CAL)
    assert "nhập từ Excel" in history.output


def test_export_units_imports_back_unchanged_and_errors_exit_1(
    migrated_url: str, tmp_path: Path
) -> None:
    assert run("load", str(LANGSON), "--database-url", migrated_url).exit_code == 0
    out = tmp_path / "don-vi.xlsx"
    exported = _cli(migrated_url, "export-units", CAL, str(out))
    assert exported.exit_code == 0, exported.output
    _calendar, document = read_file(LANGSON)
    units, people = len(document["units"]), len(document["people"])
    said = f"Đã ghi {units} đơn vị và {people} người của lịch langson-2025 (phiên bản 1)"
    assert said in exported.output
    back = _cli(migrated_url, "import-units", CAL, str(out))
    assert back.exit_code == 0 and "không tạo phiên bản mới" in back.output

    missing = _cli(migrated_url, "import-units", CAL, str(tmp_path / "khong-co.xlsx"))
    assert missing.exit_code == 1 and "không tìm thấy tệp" in missing.output
    not_excel = tmp_path / "gia.xlsx"
    not_excel.write_text("không phải Excel", encoding="utf-8")
    refused = _cli(migrated_url, "import-units", CAL, str(not_excel))
    assert refused.exit_code == 1 and "không phải tệp Excel .xlsx" in refused.output
    unknown = _cli(migrated_url, "import-units", "khong-co-lich", str(out))
    assert unknown.exit_code == 1
    assert "lịch khong-co-lich chưa có phiên bản nào được công bố" in unknown.output
    assert _revisions(migrated_url) == [(1, "yaml")]
