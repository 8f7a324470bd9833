"""`hanchot mail explain FILE.eml`: what hanchot would do with an email reply, and why.

For the coordinator puzzled by a reply (quarantined, or applied without its file): the
deadline it matches (by the subject's token or by the thread), whether it is an
automatic answer, how its sender is trusted, the files taken and those left with the
reason, the document number, and the outcome. It reads the store and the message only;
nothing is recorded, sent or changed. `--json` gives the same facts for scripts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

MSG = {
    "unreadable": "lỗi: không đọc được tệp {path}: {detail}",
    "seen": "Thư này đã được hanchot xử lý trước đó: đọc lại sẽ không làm gì thêm.",
    "no_store": "lỗi: chưa có cơ sở dữ liệu {url}: chạy `hanchot db upgrade` (và nạp lịch) trước.",
    "schema": "lỗi: cơ sở dữ liệu {url} ở lược đồ phiên bản {current}, cần {head}: chạy "
    "`hanchot db upgrade` trước.",
    "store": "lỗi: không đọc được cơ sở dữ liệu {url}: {detail}",
}
MAX_BYTES = 50 * 1024 * 1024

mail = typer.Typer(help="Thư trả lời qua email.", no_args_is_help=True)


@mail.command("explain")
def explain(
    file: Annotated[Path, typer.Argument(help="Thư dạng .eml (lưu từ hộp thư)")],
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON")] = False,
) -> None:
    """Giải thích hanchot sẽ làm gì với một thư trả lời và vì sao, không thay đổi gì."""
    from hanchot.commands.notify import _fail, _settings
    from hanchot.worker import store_access
    from notifier import inbound
    from notifier.mailbox.apply import judge, locate
    from notifier.mailbox.explain import describe, facts
    from notifier.mailbox.parse import parse
    from store.enums import InboundChannel

    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fail(MSG["unreadable"].format(path=file, detail=exc.strerror or exc)) from None
    settings = _settings()
    _check_store(_fail)
    store = store_access()
    try:
        reply = parse(raw)
        target = locate(store, str(settings.secret), reply, writes=False)  # explains only
        verdict = judge(reply, target, settings.imap.authserv_id)
        found = facts(reply, target, verdict, settings.imap.authserv_id)
        found["already_processed"] = inbound.seen(store, InboundChannel.EMAIL, reply.ref)
    finally:
        store.engine.dispose()
    console = Console(highlight=False, soft_wrap=True)
    if as_json:
        console.print(Text(json.dumps(found, ensure_ascii=False, indent=2)))
        return
    console.print(Text(describe(found)))
    if found["already_processed"]:
        console.print(Text(MSG["seen"]))


def _check_store(fail: Callable[[str], typer.Exit]) -> None:
    """The store exists at the schema this hanchot knows, or one clear line; a SQLite
    file that does not exist is not created (explaining changes nothing)."""
    import sqlalchemy as sa

    from store import db, migrate

    url = db.database_url()
    shown = db.masked(url)
    parsed = sa.engine.make_url(url)
    file = parsed.database if parsed.drivername.startswith("sqlite") else None
    if file not in (None, "", ":memory:") and not Path(str(file)).is_file():
        raise fail(MSG["no_store"].format(url=shown))
    try:
        current = migrate.current(url)
    except sa.exc.SQLAlchemyError as exc:
        raise fail(MSG["store"].format(url=shown, detail=str(exc).splitlines()[0])) from None
    if current is None:
        raise fail(MSG["no_store"].format(url=shown))
    if current != migrate.head():
        raise fail(MSG["schema"].format(url=shown, current=current, head=migrate.head()))


def register(app: typer.Typer) -> None:
    app.add_typer(mail, name="mail")
