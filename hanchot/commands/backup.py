"""`hanchot export ARCHIVE` and `hanchot import ARCHIVE`: a whole deployment's data, backed up.

The work is in `store.backup` and `store.backup_restore`; here are the words a coordinator
reads. Heavy imports happen inside the commands.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from deadlines.vi import fmt_count
from hanchot.commands.db import DatabaseUrl, _database_errors, _resolve

if TYPE_CHECKING:
    from store.backup_format import Manifest

TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOTHING_CHANGED = " Không có gì thay đổi."
MSG = {
    "exported": "Đã xuất bản sao lưu {path}: {tables} bảng, {rows} dòng, {files} tệp "
    "({file_bytes}); tệp sao lưu {archive_bytes}.",
    "with_secret": "Có kèm khóa triển khai: giữ tệp sao lưu này kín như một mật khẩu.",
    "without_secret": "Không kèm khóa triển khai (thêm --include-secret nếu cần): khôi phục ở "
    "nơi khác thì liên kết nộp báo cáo và mã trả lời trong các thư đã gửi không còn hợp lệ.",
    "missing_files": "Chú ý: {n} tệp minh chứng có trong cơ sở dữ liệu nhưng không có trong "
    "{dir}, ví dụ {example}.",
    "damaged_files": "Chú ý: {n} tệp trong {dir} không khớp SHA-256 trong tên (hỏng trên đĩa), "
    "không được đưa vào: {example}.",
    "imported": "Đã nhập bản sao lưu {path} vào {url}: {tables} bảng, {rows} dòng, {files} tệp "
    "({file_bytes}; {written} tệp mới ghi vào {dir}).",
    "origin": "Bản sao lưu tạo lúc {created} bởi hanchot {version}, từ {source}, lược đồ "
    "phiên bản {revision}.",
    "checked": "Tệp sao lưu {path} nguyên vẹn: {tables} bảng, {rows} dòng, {files} tệp "
    "({file_bytes}), kèm khóa triển khai: {secret}. Không có gì được nhập.",
    "upgraded": "Đã nhập ở lược đồ phiên bản {revision} rồi nâng cấp lên {head}.",
    "replaced": "Đã xóa {n} dòng có sẵn trước khi nhập (--replace).",
    "secret_restored": "Đã khôi phục khóa triển khai vào {path}.",
    "secret_unchanged": "Khóa triển khai trong {path} đã đúng như bản sao lưu.",
    "secret_env": "Chú ý: {var} đang được đặt và được dùng thay cho {path}: đặt nó bằng khóa "
    "trong tệp đó để liên kết đã gửi còn hợp lệ.",
    "secret_absent": "Bản sao lưu không kèm khóa triển khai: liên kết nộp báo cáo và mã trả lời "
    "trong các thư đã gửi chỉ còn hợp lệ nếu nơi này dùng đúng khóa cũ.",
    "temporal": "Chú ý: {cycles} kỳ báo cáo đang mở, {deadlines} hạn nộp chưa xong. Quy trình "
    "Temporal của chúng nằm trong cơ sở dữ liệu của Temporal, không có trong bản sao lưu: nếu "
    "Temporal ở đây là máy chủ mới, các hạn nộp này sẽ không được nhắc, đôn đốc hay đóng kỳ "
    "nữa (CalendarSync không mở lại kỳ đã có trong cơ sở dữ liệu). Hãy khôi phục cả cơ sở dữ "
    "liệu của Temporal từ cùng thời điểm.",
    "working_export": "Đang xuất {what}: {n} dòng…",
    "working_files": "Đang chép tệp: {n}…",
    "working_verify": "Đang kiểm tra bản sao lưu {path}…",
    "working_import": "Đang nhập {what}: {n} dòng…",
    "err_exists": "lỗi: {path} đã có; chọn tên khác hoặc thêm --force để ghi đè.",
    "err_no_archive": "lỗi: không đọc được {path}: {detail}.",
    "err_write_archive": "lỗi: không ghi được {path}: không có quyền ghi.",
    "err_schema": "lỗi: cơ sở dữ liệu {url} ở lược đồ phiên bản {detail}, cần {head}: chạy "
    "`hanchot db upgrade` trước khi xuất.",
    "err_unknown_tables": "lỗi: cơ sở dữ liệu {url} có bảng hanchot này không biết ({detail}): "
    "xuất bằng đúng phiên bản hanchot đang dùng cơ sở dữ liệu này.",
    "err_no_secret": "lỗi: không có khóa triển khai để kèm (không đặt HANCHOT_SECRET, "
    "HANCHOT_SECRET_FILE, không có {detail}).",
    "err_secret_file": "lỗi: không đọc được khóa triển khai từ HANCHOT_SECRET_FILE ({detail}).",
    "err_not_empty": "lỗi: cơ sở dữ liệu {url} đã có dữ liệu ({detail}): không nhập chồng lên. "
    "Thêm --replace để xóa hết rồi nhập, trong cùng một giao dịch." + NOTHING_CHANGED,
    "err_target_schema": "lỗi: cơ sở dữ liệu {url} ở lược đồ phiên bản {detail}, hanchot này "
    "không biết: dùng hanchot mới hơn." + NOTHING_CHANGED,
}
ARCHIVE_ERRORS = {
    "not_zip": "lỗi: {path} không phải tệp sao lưu đọc được (zip hỏng hoặc bị cắt cụt).",
    "missing_member": "lỗi: tệp sao lưu {path} thiếu thành phần {member} (hỏng hoặc bị cắt cụt).",
    "corrupt_member": "lỗi: thành phần {member} của {path} bị hỏng hoặc bị cắt cụt (không "
    "giải nén được, hoặc sai mã kiểm tra CRC).",
    "checksum": "lỗi: thành phần {member} của {path} không khớp SHA-256 ghi trong "
    "manifest.json: tệp đã hỏng hoặc bị sửa.",
    "row_count": "lỗi: {member} của {path} có {found} dòng, manifest.json ghi {expected}.",
    "bad_row": "lỗi: {member} của {path}, dòng {detail}: không phải một dòng hợp lệ của bảng này.",
    "rejected_row": "lỗi: cơ sở dữ liệu từ chối một dòng của {member}: {detail}.",
    "foreign_keys": "lỗi: {member} của {path}: dòng {found} trỏ tới một dòng không có trong "
    "bảng {expected}.",
    "file_name": "lỗi: tệp {member} của {path} không khớp SHA-256 trong tên của nó.",
    "unlisted_member": "lỗi: thành phần {member} của {path} không có trong manifest.json.",
    "bad_manifest": "lỗi: manifest.json của {path} hỏng (không đọc được nội dung).",
    "format": "lỗi: {path} không phải bản sao lưu hanchot (định dạng {detail}).",
    "format_version": "lỗi: {path} là bản sao lưu định dạng phiên bản {detail}; hanchot này "
    "đọc phiên bản 1: dùng hanchot mới hơn.",
    "unknown_revision": "lỗi: {path} ở lược đồ phiên bản {detail}, hanchot này không biết "
    "(mới nhất: {head}): dùng hanchot mới hơn.",
}
FILE_PROBLEMS = {
    "FileNotFoundError": "không có tệp này",
    "IsADirectoryError": "đây là một thư mục",
    "PermissionError": "không có quyền đọc",
}
UNITS = ("B", "kB", "MB", "GB", "TB")

ArchivePath = Annotated[Path, typer.Argument(help="Tệp sao lưu (.zip)")]
DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="HANCHOT_DATA_DIR",
        show_envvar=True,
        help="Thư mục dữ liệu: tệp minh chứng, thư gốc, secret.key (mặc định ./.hanchot).",
    ),
]


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _fail(text: str) -> typer.Exit:
    _err().print(Text(text, style="red"))
    return typer.Exit(1)


def _size(n: int) -> str:
    value, unit = float(n), 0
    while value >= 1000 and unit < len(UNITS) - 1:
        value, unit = value / 1000, unit + 1
    shown = f"{int(value)}" if unit == 0 else f"{value:.1f}".replace(".", ",")
    return f"{shown} {UNITS[unit]}"


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(TIME_ZONE).strftime("%d/%m/%Y %H:%M")


def _table(manifest: Manifest) -> Table:
    table = Table(show_header=True)
    table.add_column("Bảng")
    table.add_column("Số dòng", justify="right")
    for entry in manifest.tables:
        table.add_row(Text(entry.name), fmt_count(entry.rows))
    return table


def _rows_summary(rows: dict[str, int]) -> str:
    shown = ", ".join(f"{name}: {n}" for name, n in list(rows.items())[:3])
    more = ", …" if len(rows) > 3 else ""
    return f"{sum(rows.values())} dòng trong {len(rows)} bảng — {shown}{more}"


def _data_dir(value: Path | None) -> Path:
    from store import db

    return value if value is not None else db.data_dir()


def export(
    archive: ArchivePath,
    include_secret: Annotated[
        bool,
        typer.Option(
            "--include-secret",
            help="Kèm khóa triển khai (ký liên kết nộp báo cáo và mã trả lời); giữ tệp kín.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Ghi đè tệp sao lưu đã có")] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Xuất toàn bộ dữ liệu (mọi bảng, tệp minh chứng) vào một tệp sao lưu."""
    if archive.exists() and not force:
        raise _fail(MSG["err_exists"].format(path=archive))
    url, shown = _resolve(database_url)
    folder = _data_dir(data_dir)
    counts: Counter[str] = Counter()
    with _database_errors(url):
        from store.backup import ExportRefused, export_store

        try:
            with _err().status("") as status:

                def progress(what: str, n: int) -> None:
                    counts[what] += n
                    key = "working_files" if what == "files" else "working_export"
                    status.update(MSG[key].format(what=what, n=counts[what]))

                result = export_store(
                    archive,
                    url=url,
                    data_dir=folder,
                    include_secret=include_secret,
                    progress=progress,
                )
        except ExportRefused as e:
            from store import migrate

            key = f"err_{e.problem}"
            raise _fail(MSG[key].format(url=shown, detail=e.detail, head=migrate.head())) from None
        except PermissionError:
            raise _fail(MSG["err_write_archive"].format(path=archive)) from None
    manifest = result.manifest
    out = _out()
    out.print(_table(manifest))
    files = len(manifest.file_members())
    text = MSG["exported"].format(
        path=archive,
        tables=len(manifest.tables),
        rows=manifest.total_rows,
        files=files,
        file_bytes=_size(result.file_bytes),
        archive_bytes=_size(result.archive_bytes),
    )
    out.print(Text(text))
    out.print(Text(MSG["with_secret" if manifest.includes_secret else "without_secret"]))
    for key, names in (
        ("missing_files", manifest.missing_files),
        ("damaged_files", manifest.damaged_files),
    ):
        if names:
            warning = MSG[key].format(n=len(names), dir=folder, example=names[0])
            _err().print(Text(warning, style="yellow"))


def import_(
    archive: ArchivePath,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Xóa mọi dữ liệu có sẵn rồi nhập (cùng một giao dịch: lỗi thì không mất gì).",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Chỉ kiểm tra tệp sao lưu (SHA-256, số dòng), không nhập."),
    ] = False,
    database_url: DatabaseUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Nhập một tệp sao lưu vào cơ sở dữ liệu: tất cả hoặc không gì cả.

    Cơ sở dữ liệu đích phải trống (hoặc dùng --replace). Mọi thành phần được kiểm tra
    SHA-256 và số dòng trước khi ghi.
    """
    url, shown = _resolve(database_url)
    folder = _data_dir(data_dir)
    counts: Counter[str] = Counter()
    with _database_errors(url):
        from store import migrate
        from store.backup_format import ArchiveError
        from store.backup_restore import ImportRefused, check_archive, import_store

        try:
            if check:
                with _err().status(MSG["working_verify"].format(path=archive)):
                    manifest = check_archive(archive)
                _report_check(manifest, archive)
                return
            with _err().status(MSG["working_verify"].format(path=archive)) as status:

                def progress(what: str, n: int) -> None:
                    counts[what] += n
                    key = "working_files" if what == "files" else "working_import"
                    status.update(MSG[key].format(what=what, n=counts[what]))

                result = import_store(
                    archive, url=url, data_dir=folder, replace=replace, progress=progress
                )
        except ArchiveError as e:
            found, _, expected = e.detail.partition("/")
            text = ARCHIVE_ERRORS[e.problem].format(
                path=archive,
                member=e.member,
                detail=e.detail,
                found=found,
                expected=expected,
                head=migrate.head(),
            )
            raise _fail(text + NOTHING_CHANGED) from None
        except ImportRefused as e:
            detail = _rows_summary(e.rows) if e.rows else e.detail
            raise _fail(MSG[f"err_{e.problem}"].format(url=shown, detail=detail)) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
            detail = FILE_PROBLEMS[type(e).__name__]
            raise _fail(MSG["err_no_archive"].format(path=archive, detail=detail)) from None
    _report_import(result, archive, shown, folder)


def _origin(manifest: Manifest) -> Text:
    return Text(
        MSG["origin"].format(
            created=_local(manifest.created_at),
            version=manifest.hanchot_version,
            source=manifest.source,
            revision=manifest.schema_revision,
        )
    )


def _report_check(manifest: Manifest, archive: Path) -> None:
    out = _out()
    out.print(_table(manifest))
    out.print(_origin(manifest))
    text = MSG["checked"].format(
        path=archive,
        tables=len(manifest.tables),
        rows=manifest.total_rows,
        files=len(manifest.file_members()),
        file_bytes=_size(sum(manifest.members[m]["size"] for m in manifest.file_members())),
        secret="có" if manifest.includes_secret else "không",
    )
    out.print(Text(text))


def _report_import(result: object, archive: Path, shown: str, folder: Path) -> None:
    from store.backup_restore import ImportResult

    assert isinstance(result, ImportResult)
    manifest = result.manifest
    out = _out()
    out.print(_table(manifest))
    out.print(_origin(manifest))
    text = MSG["imported"].format(
        path=archive,
        url=shown,
        tables=len(manifest.tables),
        rows=manifest.total_rows,
        files=result.files_written + result.files_present,
        file_bytes=_size(result.file_bytes),
        written=result.files_written,
        dir=folder,
    )
    out.print(Text(text))
    if manifest.schema_revision != result.revision_after:
        out.print(
            Text(
                MSG["upgraded"].format(
                    revision=manifest.schema_revision, head=result.revision_after
                )
            )
        )
    if result.replaced_rows:
        out.print(Text(MSG["replaced"].format(n=result.replaced_rows)))
    key_file = folder / "secret.key"
    if result.secret == "absent":
        out.print(Text(MSG["secret_absent"]))
    else:
        out.print(Text(MSG[f"secret_{result.secret}"].format(path=key_file)))
        for var in ("HANCHOT_SECRET", "HANCHOT_SECRET_FILE"):
            if os.environ.get(var):
                _err().print(Text(MSG["secret_env"].format(var=var, path=key_file), style="yellow"))
    if result.open_cycles:
        warning = MSG["temporal"].format(
            cycles=result.open_cycles, deadlines=result.unsettled_deadlines
        )
        _err().print(Text(warning, style="yellow"))


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)
