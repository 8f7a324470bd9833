"""`hanchot calendar export|history|diff`, and printing a publish's preview.

A calendar lives in the store as published revisions (store.revisions); these commands
read them: `export` writes a revision as YAML that `hanchot load` reads back unchanged,
`history` lists the revisions, `diff` says what changed between two. `print_preview`
shows what `hanchot load --dry-run` found the running engine would do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hanchot.commands.db import ACTION, ENTITY, DatabaseUrl, _database_errors, _details, _resolve

if TYPE_CHECKING:
    from activities.preview import Preview

MSG = {
    "no_calendar": "lỗi: không có lịch {id} trong cơ sở dữ liệu.",
    "no_revision": "lỗi: lịch {id} không có phiên bản {n}.",
    "no_revisions": "Lịch {id} chưa có phiên bản nào được công bố (nạp bằng hanchot load).",
    "exported": "Đã ghi phiên bản {n} của lịch {id} vào {path}.",
    "history_title": "Các phiên bản của lịch {id}",
    "not_applied": "chưa — worker có đang chạy không?",
    "superseded": "—",
    "diff_none": "Phiên bản {n} và {m} của lịch {id} giống nhau.",
    "diff_title": "Lịch {id}: từ phiên bản {n} đến {m}, {k} thay đổi.",
    "preview_none": "Hệ thống đang chạy sẽ không phải làm gì thêm.",
    "preview_title": "Khi công bố, hệ thống đang chạy sẽ:",
    "opening": "  mở kỳ {cycle} ({obligation} — {period})",
    "starting": "  bắt đầu theo dõi {unit} ({id}) trong kỳ {cycle}",
    "stopping": "  dừng nhắc {unit} ({id}) trong kỳ {cycle}: {reason}",
    "moving": "  dời hạn của {unit}: {before} → {after}; nhắc/đôn đốc: {steps}",
    "moving_steps": "  đổi lịch nhắc của {unit}: {steps}",
    "person": "  {person}: {why}",
    "catch_up": "  {text}",
    "people": "Người có tin nhắn tiếp theo thay đổi:",
}
HISTORY = ("Phiên bản", "Thời điểm", "Người công bố", "Nguồn", "Thay đổi", "Hệ thống đã áp dụng")
SOURCE = {"yaml": "tệp YAML", "dashboard": "bảng điều khiển", "import": "nhập từ Excel"}
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _fail(text: str) -> typer.Exit:
    _err().print(Text(text, style="red"))
    return typer.Exit(1)


def export(
    calendar_id: Annotated[str, typer.Argument(help="Mã lịch")],
    revision: Annotated[
        int | None, typer.Option("--revision", "-r", help="Phiên bản (mặc định mới nhất)")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Tệp YAML (mặc định in ra)")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Xuất một phiên bản của lịch ra YAML; nạp lại tệp này không tạo thay đổi nào."""
    from config.document import to_yaml
    from store import db, revisions

    url, _shown = _resolve(database_url)
    with _database_errors(url):
        engine = db.create_engine(url)
        try:
            with db.session_factory(engine)() as session:
                found = revisions.get(session, calendar_id, revision)
                if found is None:
                    raise _missing(session, calendar_id, revision)
                number = found.number
                text = to_yaml(found.document, (calendar_id, number))
        finally:
            engine.dispose()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    _err().print(Text(MSG["exported"].format(n=number, id=calendar_id, path=output)))


def _missing(session: object, calendar_id: str, revision: int | None) -> typer.Exit:
    from store import revisions

    if revision is not None and revisions.latest(session, calendar_id) is not None:  # type: ignore[arg-type]
        return _fail(MSG["no_revision"].format(id=calendar_id, n=revision))
    return _fail(MSG["no_calendar"].format(id=calendar_id))


def history(
    calendar_id: Annotated[str, typer.Argument(help="Mã lịch")],
    database_url: DatabaseUrl = None,
) -> None:
    """Liệt kê các phiên bản đã công bố của một lịch."""
    from deadlines.vi import fmt_instant
    from store import db, revisions

    url, _shown = _resolve(database_url)
    with _database_errors(url):
        engine = db.create_engine(url)
        try:
            with db.session_factory(engine)() as session:
                rows = [
                    (r.number, r.published_at, r.author, r.source, len(r.summary), r.applied_at)
                    for r in revisions.history(session, calendar_id)
                ]
        finally:
            engine.dispose()
    out = _out()
    if not rows:
        out.print(Text(MSG["no_revisions"].format(id=calendar_id)))
        return
    table = Table(*HISTORY, title=MSG["history_title"].format(id=calendar_id))
    latest = rows[-1][0]
    for number, at, author, source, changes, applied in rows:
        if applied is not None:
            shown = fmt_instant(applied, TZ)
        else:  # only the latest revision is applied: an earlier one was overtaken by it
            shown = MSG["not_applied"] if number == latest else MSG["superseded"]
        table.add_row(
            str(number),
            fmt_instant(at, TZ),
            Text(author),
            SOURCE.get(source, source),
            str(changes),
            shown,
        )
    out.print(table)


def diff(
    calendar_id: Annotated[str, typer.Argument(help="Mã lịch")],
    old: Annotated[int, typer.Argument(help="Phiên bản trước")],
    new: Annotated[int, typer.Argument(help="Phiên bản sau")],
    database_url: DatabaseUrl = None,
) -> None:
    """Những gì đã thay đổi giữa hai phiên bản của một lịch."""
    from activities.calendars import published
    from store import db
    from store.revisions import diff_calendars

    url, _shown = _resolve(database_url)
    with _database_errors(url):
        engine = db.create_engine(url)
        try:
            with db.session_factory(engine)() as session:
                try:
                    before = published(session, calendar_id, old)
                    after = published(session, calendar_id, new)
                except LookupError:
                    missing = old if new == old else (old, new)
                    raise _fail(MSG["no_revision"].format(id=calendar_id, n=missing)) from None
        finally:
            engine.dispose()
    changes = diff_calendars(before, after)
    out = _out()
    if not changes:
        out.print(Text(MSG["diff_none"].format(n=old, m=new, id=calendar_id)))
        return
    out.print(Text(MSG["diff_title"].format(id=calendar_id, n=old, m=new, k=len(changes))))
    table = Table("Loại", "Mã", "Tên", "Thay đổi", "Chi tiết", show_lines=True)
    for change in changes:
        table.add_row(
            Text(ENTITY[change.entity]),
            Text(change.key),
            Text(change.label),
            Text(ACTION[change.action]),
            Text(_details(change)),
        )
    out.print(table)


def print_preview(out: Console, found: Preview) -> None:
    from deadlines.vi import fmt_date, fmt_instant

    if not found:
        out.print(Text(MSG["preview_none"]))
        return
    out.print(Text(MSG["preview_title"]))
    for cycle, obligation, period in found.opening:
        out.print(Text(MSG["opening"].format(cycle=cycle, obligation=obligation, period=period)))
    for cycle, unit_id, name in found.starting:
        out.print(Text(MSG["starting"].format(unit=name, id=unit_id, cycle=cycle)))
    for cycle, unit_id, name, reason in found.stopping:
        out.print(Text(MSG["stopping"].format(unit=name, id=unit_id, cycle=cycle, reason=reason)))
    from datetime import date

    for moved in found.moving:
        steps = ", ".join(fmt_instant(at, TZ) for at in moved.reminders[1]) or "—"
        before, after = (fmt_date(date.fromisoformat(d)) for d in moved.legal_end)
        key = "moving" if before != after else "moving_steps"
        out.print(Text(MSG[key].format(unit=moved.unit, before=before, after=after, steps=steps)))
    for line in found.catch_up:
        out.print(Text(MSG["catch_up"].format(text=line.text())))
    if found.people:
        out.print(Text(MSG["people"]))
        for person, why in sorted(found.people.items()):
            out.print(Text(MSG["person"].format(person=person, why=why)))


def register(app: typer.Typer) -> None:
    calendar_app = typer.Typer(
        name="calendar",
        help="Các phiên bản đã công bố của lịch: xuất YAML, lịch sử, so sánh; nhập và xuất đơn vị"
        " bằng Excel.",
        no_args_is_help=True,
    )
    calendar_app.command("export")(export)
    calendar_app.command("history")(history)
    calendar_app.command("diff")(diff)
    from hanchot.commands import _import_units

    _import_units.register(calendar_app)
    app.add_typer(calendar_app, name="calendar")
