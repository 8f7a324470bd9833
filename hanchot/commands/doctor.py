"""`hanchot doctor`: is every configured part reachable and usable? One line each."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hanchot.doctor import run_checks
from hanchot.metrics import quiet_default_runtime
from hanchot.settings import Settings
from notifier.settings import NotifierSettings, SettingsError
from store import db


def doctor() -> None:
    """Kiểm tra mọi thành phần đã cấu hình: CSDL, Temporal, SMTP, IMAP, Telegram, Zalo."""
    err = Console(stderr=True, highlight=False)
    try:
        notifier = NotifierSettings.from_env()
    except SettingsError as exc:
        err.print(Text(f"lỗi cấu hình: {exc}"))
        raise typer.Exit(2) from None
    quiet_default_runtime()
    checks = asyncio.run(run_checks(Settings.from_env(), notifier, db.database_url()))
    table = Table("", "Thành phần", "Tình trạng", show_header=True, header_style="bold")
    for check in checks:
        mark = ("✓", "green") if check.ok else ("✗", "red")
        if not check.configured:
            mark = ("–", "yellow")
        table.add_row(Text(mark[0], style=mark[1]), check.part, Text(check.detail))
    Console(highlight=False).print(table)
    failed = [c for c in checks if not c.ok]
    if failed:
        err.print(Text(f"{len(failed)} thành phần có lỗi: " + ", ".join(c.part for c in failed)))
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
