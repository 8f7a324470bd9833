"""`hanchot calendar import-units` and `export-units`: a calendar's units and people as a
workbook (.xlsx), for scripts and for people who keep their contact lists in Excel.

`import-units CAL FILE.xlsx` lays the file onto the newest revision, prints every row's
error (sheet, row, column, value, why) and stops with exit 1 if there is one, else prints
what changes per unit kind and what the running engine will do, and publishes (source
"import"); `--dry-run` stops before publishing; `--template` writes the blank workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hanchot.commands.db import ACTION, ENTITY, DatabaseUrl, _actor, _database_errors, _details
from hanchot.commands.db import _resolve as resolve_url

MSG = {
    "no_file": "lỗi: không tìm thấy tệp {path}",
    "unreadable": "lỗi: không đọc được tệp {path}: {detail}",
    "refused": "lỗi: {path}: {why}; không có gì được nhập.",
    "exists": "lỗi: tệp {path} đã có; chọn tên khác để không ghi đè lên tệp đang dùng.",
    "template": "Đã ghi tệp mẫu của lịch {id} vào {path}: điền trang Đơn vị và trang Người "
    "rồi nhập bằng hanchot calendar import-units {id} {path}.",
    "exported": "Đã ghi {units} đơn vị và {people} người của lịch {id} (phiên bản {n}) vào {path}.",
    "read": "Tệp {path}: {rows} dòng dữ liệu, nhập vào phiên bản {base} của lịch {id}.",
    "skipped": "Bỏ qua {n} dòng mẫu chưa sửa của tệp mẫu.",
    "error": "lỗi ",
    "errors": "{n} lỗi; không có gì được nhập (tất cả hoặc không gì cả).",
    "unchanged": "Tệp không thay đổi gì so với phiên bản {base} của lịch {id}; không tạo phiên "
    "bản mới.",
    "kinds_title": "Đơn vị theo loại",
    "people": "Người: thêm {added}, sửa {changed}.",
    "dry": "Chạy thử, không lưu: sẽ là phiên bản {n}.",
    "published": "Đã công bố phiên bản {n} (nhập từ Excel); hệ thống đang chạy sẽ áp dụng "
    "trong vài giây.",
    "stale": "lỗi: lịch {id} vừa được công bố phiên bản {latest} trong lúc nhập; không có gì "
    "được lưu. Hãy chạy lại lệnh.",
}
KIND_HEADERS = ("Loại", "Thêm", "Sửa", "Giải thể")


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _fail(text: str, code: int = 1) -> typer.Exit:
    _err().print(Text(text, style="red"))
    return typer.Exit(code)


def _read(path: Path) -> bytes:
    from deadlines import bounds

    try:
        with path.open("rb") as stream:  # bounded: the reader refuses more, unread
            return stream.read(bounds.WORKBOOK_MAX_BYTES + 1)
    except FileNotFoundError:
        raise _fail(MSG["no_file"].format(path=path)) from None
    except OSError as exc:
        raise _fail(MSG["unreadable"].format(path=path, detail=exc.strerror)) from None


def import_units(
    calendar_id: Annotated[str, typer.Argument(help="Mã lịch")],
    file: Annotated[Path, typer.Argument(help="Tệp Excel (.xlsx)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ cho biết sẽ thay đổi gì, không lưu")
    ] = False,
    template: Annotated[
        bool, typer.Option("--template", help="Ghi tệp mẫu trống vào TỆP thay vì nhập")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Nhập đơn vị và người từ tệp Excel: mọi lỗi theo trang, dòng, cột; tất cả hoặc không gì cả.

    Cho biết thay đổi theo loại đơn vị và hệ thống đang chạy sẽ làm gì, rồi công bố thành
    phiên bản mới (--dry-run: không lưu). --template ghi tệp mẫu trống vào tệp đã cho.
    """
    from activities import unit_import
    from config.workbook_read import WorkbookRefused
    from store import db

    if template and file.exists():
        raise _fail(MSG["exists"].format(path=file))
    data = b"" if template else _read(file)
    url, _shown = resolve_url(database_url)
    with _database_errors(url):
        engine = db.create_engine(url)
        try:
            with db.session_factory(engine, writes=True)() as session:
                try:
                    if template:
                        file.write_bytes(unit_import.template(session, calendar_id))
                        _out().print(Text(MSG["template"].format(id=calendar_id, path=file)))
                        return
                    prepared = unit_import.prepare(session, calendar_id, data)
                except (unit_import.ImportRefused, WorkbookRefused) as exc:
                    raise _fail(MSG["refused"].format(path=file, why=exc)) from None
                _print_prepared(prepared, file)
                if not prepared.changed:
                    return
                if dry_run:
                    _out().print(Text(MSG["dry"].format(n=prepared.base + 1)))
                    return
                try:
                    published = unit_import.publish(session, prepared, _actor(), str(file))
                except unit_import.RevisionConflict as exc:
                    session.rollback()
                    raise _fail(MSG["stale"].format(id=exc.calendar, latest=exc.latest)) from None
                session.commit()
        finally:
            engine.dispose()
    _out().print(Text(MSG["published"].format(n=published.number)))


def _print_prepared(prepared: object, file: Path) -> None:
    from activities.unit_import import Prepared
    from deadlines.present import kind_text
    from hanchot.commands.revisions import print_preview

    assert isinstance(prepared, Prepared)
    out = _out()
    read = MSG["read"].format(
        path=file, rows=prepared.rows, base=prepared.base, id=prepared.calendar
    )
    out.print(Text(read))
    if prepared.skipped:
        out.print(Text(MSG["skipped"].format(n=prepared.skipped)))
    if prepared.issues:
        err = _err()
        for issue in prepared.issues:
            err.print(Text.assemble((MSG["error"], "red"), str(issue)))
        raise _fail(MSG["errors"].format(n=len(prepared.issues)))
    if not prepared.changes:
        out.print(Text(MSG["unchanged"].format(base=prepared.base, id=prepared.calendar)))
        return
    kinds = Table(*KIND_HEADERS, title=MSG["kinds_title"], title_justify="left")
    for k in prepared.kinds:
        kinds.add_row(
            Text(f"{kind_text(k.kind)} ({k.kind})"), *map(str, (k.added, k.changed, k.closed))
        )
    out.print(kinds)
    out.print(Text(MSG["people"].format(added=prepared.people[0], changed=prepared.people[1])))
    table = Table("Loại", "Mã", "Tên", "Thay đổi", "Chi tiết", show_lines=True)
    for change in prepared.changes:
        table.add_row(
            Text(ENTITY[change.entity]),
            Text(change.key),
            Text(change.label),
            Text(ACTION[change.action]),
            Text(_details(change)),
        )
    out.print(table)
    if prepared.engine is not None:
        print_preview(out, prepared.engine)


def export_units(
    calendar_id: Annotated[str, typer.Argument(help="Mã lịch")],
    file: Annotated[Path, typer.Argument(help="Tệp Excel (.xlsx) sẽ ghi")],
    database_url: DatabaseUrl = None,
) -> None:
    """Xuất đơn vị và người của lịch ra tệp Excel cùng mẫu; nhập lại tệp này không thay đổi gì."""
    from activities import unit_import
    from store import db

    url, _shown = resolve_url(database_url)
    with _database_errors(url):
        engine = db.create_engine(url)
        try:
            with db.session_factory(engine)() as session:
                try:
                    number, document = unit_import.latest_document(session, calendar_id)
                except unit_import.ImportRefused as exc:
                    raise _fail(f"lỗi: {exc}") from None
                data = unit_import.export(session, calendar_id)
        finally:
            engine.dispose()
    file.write_bytes(data)
    units, people = len(document.get("units") or []), len(document.get("people") or [])
    text = MSG["exported"].format(units=units, people=people, id=calendar_id, n=number, path=file)
    _out().print(Text(text))


def register(calendar_app: typer.Typer) -> None:
    calendar_app.command("import-units")(import_units)
    calendar_app.command("export-units")(export_units)
