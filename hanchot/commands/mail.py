"""`hanchot mail explain FILE.eml`: what hanchot would do with an email reply, and why.

For the coordinator puzzled by a reply (quarantined, or applied without its file): the
deadline it matches (by the subject's token or by the thread), whether it is an
automatic answer, how its sender is trusted, the files taken and those left with the
reason, the document number, and the outcome. It reads the store and the message only;
nothing is recorded, sent or changed. `--json` gives the same facts for scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

MSG = {
    "unreadable": "lỗi: không đọc được tệp {path}: {detail}",
    "seen": "Thư này đã được hanchot xử lý trước đó: đọc lại sẽ không làm gì thêm.",
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
    store = store_access()
    try:
        reply = parse(raw)
        target = locate(store, str(settings.secret), reply)
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


def register(app: typer.Typer) -> None:
    app.add_typer(mail, name="mail")
