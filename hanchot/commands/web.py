"""`hanchot web`: serve the dashboard (uvicorn) on the store, acting through Temporal.

The dashboard reads the store directly; actions (approve an extension, excuse, submit
through a link) are workflow updates, sent through a gateway that connects to Temporal
on first use, so the pages work even while the engine is down.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

MSG = {
    "ready": "Bảng điều khiển: {url} (Temporal {address}). Nhấn Ctrl-C để dừng.",
    "no_users": "Chưa có tài khoản nào: tạo bằng `hanchot user add EMAIL --role coordinator "
    "--all-units`.",
    "old_db": "lỗi: cơ sở dữ liệu chưa được nâng cấp; chạy `hanchot db upgrade` trước.",
    "stopped": "Đã dừng.",
}


def web(
    host: Annotated[str, typer.Option("--host", help="Địa chỉ lắng nghe")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Cổng")] = 8000,
) -> None:
    """Chạy bảng điều khiển web."""
    from hanchot.commands.engine import until_stopped
    from hanchot.gateway import TemporalGateway
    from hanchot.settings import Settings
    from store import db, migrate
    from store.web_users import count_users
    from web.app import create_app
    from web.server import serving
    from web.settings import WebSettings

    settings = WebSettings.from_env()
    if migrate.current(settings.database_url) != migrate.head():
        Console(stderr=True).print(Text(MSG["old_db"], style="red"))
        raise typer.Exit(1)
    engine = db.create_engine(settings.database_url)
    with db.session_factory(engine)() as session:
        users = count_users(session)
    engine.dispose()
    engine_settings = Settings.from_env()
    gateway = TemporalGateway.lazy(engine_settings.temporal_address, engine_settings.namespace)
    app = create_app(settings, gateway)
    out = Console(highlight=False)

    async def run() -> None:
        async with serving(app, host, port) as url:
            out.print(Text(MSG["ready"].format(url=url, address=engine_settings.temporal_address)))
            if not users:
                out.print(Text(MSG["no_users"]))
            await until_stopped()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    out.print(MSG["stopped"])


def register(app: typer.Typer) -> None:
    app.command("web")(web)
