"""`hanchot db upgrade|downgrade|current` and `hanchot load`: the schema, and calendars in it.

Heavy imports (SQLAlchemy, Alembic) happen inside the commands, so `hanchot --help` and
the other commands do not pay for them.
"""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from store.changes import Change, ChangeSet

MSG = {
    "upgraded": "Đã nâng cấp cơ sở dữ liệu {url}: {before} → {after}.",
    "up_to_date": "Cơ sở dữ liệu {url} đã ở phiên bản mới nhất ({after}).",
    "downgraded": "Đã hạ cơ sở dữ liệu {url}: {before} → {after}.",
    "not_changed": "Cơ sở dữ liệu {url} đã ở phiên bản {after}: không có gì để làm.",
    "confirm_downgrade": "Hạ cơ sở dữ liệu {url} về {rev}? Bảng và dữ liệu của các phiên bản "
    "sau sẽ bị xóa.",
    "cancelled": "Đã hủy: cơ sở dữ liệu không thay đổi.",
    "current_head": "Cơ sở dữ liệu {url}: phiên bản {rev} (mới nhất).",
    "current_old": "Cơ sở dữ liệu {url}: phiên bản {rev}; bản mới nhất là {head} — chạy "
    "`hanchot db upgrade`.",
    "current_empty": "Cơ sở dữ liệu {url}: chưa khởi tạo — chạy `hanchot db upgrade`.",
    "needs_upgrade": "lỗi: cơ sở dữ liệu {url} đang ở phiên bản {rev}, cần {head}: chạy "
    "`hanchot db upgrade` trước.",
    "empty_revision": "trống",
    "working_upgrade": "Đang nâng cấp cơ sở dữ liệu…",
    "working_downgrade": "Đang hạ cơ sở dữ liệu…",
    "working_load": "Đang lưu lịch",
    "created": "Đã nạp lịch {id} lần đầu: {people} người, {units} đơn vị, "
    "{obligations} nghĩa vụ báo cáo, {supervisors} người giám sát.",
    "unchanged": "Đã nạp lịch {id}: không có thay đổi, không tạo phiên bản mới.",
    "revision": "Đã công bố phiên bản {n}; hệ thống đang chạy sẽ áp dụng trong vài giây.",
    "revision_dry": "Sẽ là phiên bản {n}.",
    "err_conflict": "lỗi: lịch {id} vừa được người khác công bố (phiên bản {latest}) trong lúc"
    " nạp; không có gì được lưu. Hãy chạy lại lệnh.",
    "err_stale": "lỗi: tệp được xuất từ phiên bản {base} của lịch {id}, nhưng lịch đã có phiên"
    " bản {latest}; không có gì được lưu. Xuất bản mới nhất (hanchot calendar export {id}),"
    " gộp thay đổi của mình vào rồi nạp lại, hoặc dùng --force để ghi đè.",
    "changed": "Đã nạp lịch {id}: {n} thay đổi.",
    "created_dry": "Chạy thử, không lưu: lịch {id} sẽ được nạp lần đầu với {people} người, "
    "{units} đơn vị, {obligations} nghĩa vụ báo cáo, {supervisors} người giám sát.",
    "unchanged_dry": "Chạy thử, không lưu: lịch {id} không có thay đổi.",
    "changed_dry": "Chạy thử, không lưu: lịch {id} sẽ có {n} thay đổi.",
    "open_deadlines": "còn {n} hạn nộp chưa xong",
    "err_url": "lỗi: địa chỉ cơ sở dữ liệu không dùng được ({url}): {detail}",
    "err_db": "lỗi: không truy cập được cơ sở dữ liệu {url}: {detail}",
    "err_write": "lỗi: ghi vào cơ sở dữ liệu {url} thất bại, không có gì được lưu: {detail}",
    "err_revision": "lỗi: không có phiên bản lược đồ như vậy: {detail}",
    "err_migration": "lỗi: chuyển đổi lược đồ {url} thất bại, không có gì thay đổi: {detail}",
}
ENTITY = {
    "calendar": "Lịch",
    "person": "Người",
    "unit": "Đơn vị",
    "obligation": "Nghĩa vụ",
    "supervisor": "Giám sát",
}
ACTION = {"added": "thêm", "changed": "sửa", "removed": "bỏ khỏi cấu hình", "restored": "đưa lại"}
FIELD = {
    "name": "tên",
    "kind": "loại",
    "parent": "cấp trên",
    "opened": "thành lập",
    "closed": "giải thể",
    "focal_points": "đầu mối",
    "head": "thủ trưởng",
    "units": "đơn vị",
    "receiver": "nơi nhận",
    "period": "kỳ",
    "due": "hạn",
    "source_path": "tệp",
    "days_off": "ngày nghỉ",
    "working_saturdays": "thứ Bảy làm việc",
}
HEADERS = ("Loại", "Mã", "Tên", "Thay đổi", "Chi tiết")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Cơ sở dữ liệu (mặc định: $HANCHOT_DATABASE_URL với mật khẩu từ"
        " $HANCHOT_DATABASE_PASSWORD_FILE, không có thì tệp SQLite hanchot.db trong"
        " $HANCHOT_DATA_DIR).",
    ),
]


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _resolve(url: str | None) -> tuple[str, str]:
    """The URL to use and its printable (password-masked) form."""
    from store.db import database_url, masked

    target = url or database_url()
    return target, masked(target)


def _first_line(exc: BaseException, secret: str | None) -> str:
    origin = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(origin).splitlines() if line.strip()]
    text = lines[0] if lines else type(origin).__name__
    return text.replace(secret, "***") if secret else text


@contextmanager
def _database_errors(url: str) -> Iterator[None]:
    """Turn what can go wrong with a database into one line and exit 1."""
    from alembic.util import CommandError
    from sqlalchemy import exc as sa_exc
    from sqlalchemy.engine import make_url

    from store.db import DatabaseURLError, masked
    from store.migrate import MigrationError

    try:
        password = make_url(url).password
    except sa_exc.ArgumentError:
        password = None
    secret = str(password) if password else None
    shown = masked(url)
    try:
        yield
    except DatabaseURLError as e:
        message = MSG["err_url"].format(url=e.url, detail=e.detail)
    except CommandError as e:
        message = MSG["err_revision"].format(detail=_first_line(e, secret))
    except MigrationError as e:
        message = MSG["err_migration"].format(url=shown, detail=e)
    except (sa_exc.IntegrityError, sa_exc.DataError) as e:
        message = MSG["err_write"].format(url=shown, detail=_first_line(e, secret))
    except sa_exc.SQLAlchemyError as e:
        message = MSG["err_db"].format(url=shown, detail=_first_line(e, secret))
    except OSError as e:  # e.g. the directory of a SQLite file cannot be made
        message = MSG["err_db"].format(url=shown, detail=f"{e.strerror}: {e.filename}")
    else:
        return
    _err().print(Text(message, style="red"))
    raise typer.Exit(1)


def _revision(rev: str | None) -> str:
    return rev or MSG["empty_revision"]


def upgrade(
    revision: Annotated[str, typer.Argument(help="Phiên bản đích")] = "head",
    database_url: DatabaseUrl = None,
) -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu lên phiên bản mới nhất."""
    url, shown = _resolve(database_url)
    with _database_errors(url):
        from store import migrate

        with _err().status(MSG["working_upgrade"]):
            result = migrate.upgrade(url, revision)
    key = "upgraded" if result.changed else "up_to_date"
    text = MSG[key].format(url=shown, before=_revision(result.before), after=result.after)
    _out().print(Text(text))


def downgrade(
    revision: Annotated[str, typer.Argument(help="Phiên bản đích: mã, -1 hoặc base")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Không hỏi lại")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Hạ lược đồ về một phiên bản trước (xóa bảng của các phiên bản sau)."""
    url, shown = _resolve(database_url)
    if not yes and not typer.confirm(MSG["confirm_downgrade"].format(url=shown, rev=revision)):
        _err().print(Text(MSG["cancelled"]))
        raise typer.Exit(1)
    with _database_errors(url):
        from store import migrate

        with _err().status(MSG["working_downgrade"]):
            result = migrate.downgrade(url, revision)
    key = "downgraded" if result.changed else "not_changed"
    after = _revision(result.after)
    _out().print(Text(MSG[key].format(url=shown, before=_revision(result.before), after=after)))


def current(database_url: DatabaseUrl = None) -> None:
    """Phiên bản lược đồ hiện tại của cơ sở dữ liệu."""
    url, shown = _resolve(database_url)
    with _database_errors(url):
        from store import migrate

        rev, head = migrate.current(url), migrate.head()
    if rev is None:
        text = MSG["current_empty"].format(url=shown)
    elif rev == head:
        text = MSG["current_head"].format(url=shown, rev=rev)
    else:
        text = MSG["current_old"].format(url=shown, rev=rev, head=head)
    _out().print(Text(text))


def load(
    configs: Annotated[list[Path], typer.Argument(help="Tệp lịch YAML")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chỉ cho biết sẽ thay đổi gì, không lưu")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Công bố dù tệp được xuất từ một phiên bản cũ (ghi đè các thay đổi sau đó)",
        ),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Công bố lịch thành phiên bản mới trong cơ sở dữ liệu và in những gì đã thay đổi.

    Nạp lại một lịch không đổi thì không tạo phiên bản. Tệp xuất bằng `hanchot calendar
    export` mà lịch đã có phiên bản mới hơn thì bị từ chối (trừ khi --force).
    Các tệp được lưu cùng lúc: một tệp có lỗi thì không tệp nào được lưu.
    """
    from activities.publishing import publish_loaded, read_files
    from config.errors import CalendarError
    from hanchot.commands.calendar import fail_config

    try:
        calendars = read_files(configs)
    except CalendarError as exc:
        raise fail_config(exc) from None

    url, shown = _resolve(database_url)
    previews = []
    with _database_errors(url):
        from activities.preview import preview
        from store import db, migrate
        from store.revisions import RevisionConflict

        rev, head = migrate.current(url), migrate.head()
        if rev != head:
            text = MSG["needs_upgrade"].format(url=shown, rev=_revision(rev), head=head)
            _err().print(Text(text, style="red"))
            raise typer.Exit(1)
        engine = db.create_engine(url)
        try:
            results = []
            writer = db.session_factory(engine, writes=True)
            with writer() as session, _progress() as progress:
                task = progress.add_task(MSG["working_load"], total=len(calendars))
                for loaded in calendars:
                    if dry_run:
                        previews.append(preview(session, loaded.calendar))
                    try:
                        published = publish_loaded(session, loaded, _actor(), force)
                    except RevisionConflict as exc:
                        session.rollback()
                        key = "err_conflict" if exc.base is None else "err_stale"
                        text = MSG[key].format(id=exc.calendar, latest=exc.latest, base=exc.base)
                        _err().print(Text(text, style="red"))
                        raise typer.Exit(1) from None
                    results.append(published)
                    progress.advance(task)
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
        finally:
            engine.dispose()

    out = _out()
    for published in results:
        _print_changeset(out, published.changes, dry_run, published.number)
    if dry_run:
        from hanchot.commands.revisions import print_preview

        for found in previews:
            print_preview(out, found)


def _progress() -> Progress:
    console = _err()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # a bar in a log file is only noise
    )


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _print_changeset(
    out: Console, changeset: ChangeSet, dry_run: bool, number: int | None = None
) -> None:
    from store.changes import Action, Entity

    suffix = "_dry" if dry_run else ""
    if changeset.created:
        counts = {e: len(changeset.of(e, Action.ADDED)) for e in Entity}
        text = MSG["created" + suffix].format(
            id=changeset.calendar,
            people=counts[Entity.PERSON],
            units=counts[Entity.UNIT],
            obligations=counts[Entity.OBLIGATION],
            supervisors=counts[Entity.SUPERVISOR],
        )
        out.print(Text(text + _numbered(number, dry_run)))
        return
    if not changeset:
        out.print(Text(MSG["unchanged" + suffix].format(id=changeset.calendar)))
        return
    text = MSG["changed" + suffix].format(id=changeset.calendar, n=len(changeset.changes))
    out.print(Text(text + _numbered(number, dry_run)))
    table = Table(show_lines=True)
    for header in HEADERS:
        table.add_column(header, overflow="fold")  # never cut a name short
    for change in changeset.changes:
        # Names and values are data, never markup: Text() shows "[b]" or "<script>" verbatim.
        table.add_row(
            Text(ENTITY[change.entity]),
            Text(change.key),
            Text(change.label),
            Text(ACTION[change.action]),
            Text(_details(change)),
        )
    out.print(table)


def _numbered(number: int | None, dry_run: bool) -> str:
    if number is None:
        return ""
    return " " + MSG["revision_dry" if dry_run else "revision"].format(n=number)


def _details(change: Change) -> str:
    lines = [f"{_field(f.field)}: {_value(f.old)} → {_value(f.new)}" for f in change.fields]
    if change.open_deadlines:
        lines.append(MSG["open_deadlines"].format(n=change.open_deadlines))
    return "\n".join(lines)


def _field(path: str) -> str:
    """`due[0].text` -> `hạn[0].text`: the top-level name in Vietnamese, the rest as is."""
    head = re.match(r"\w+", path)
    if head is None or head.group() not in FIELD:
        return path
    return FIELD[head.group()] + path[head.end() :]


def _value(value: object) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(
        name="db",
        help="Cơ sở dữ liệu: tạo, nâng cấp, hạ lược đồ.",
        no_args_is_help=True,
    )
    db_app.command("upgrade")(upgrade)
    db_app.command("downgrade")(downgrade)
    db_app.command("current")(current)
    app.add_typer(db_app, name="db")
    app.command("load")(load)
