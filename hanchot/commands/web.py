"""`hanchot web`: serve the dashboard (uvicorn) on the store, acting through Temporal.

The dashboard reads the store directly; actions (approve an extension, excuse, submit
through a link) are workflow updates, sent through a gateway that connects to Temporal
on first use, so the pages work even while the engine is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from web.accounts import NewAccount
    from web.gateway import WorkflowGateway

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
    from hanchot.commands._observe import setup_logging
    from hanchot.commands.engine import until_stopped
    from hanchot.gateway import TemporalGateway
    from hanchot.logs import adopt_uvicorn
    from hanchot.settings import Settings
    from store import db, migrate
    from store.web_users import count_users
    from web.app import create_app
    from web.server import serving
    from web.settings import WebSettings

    settings = WebSettings.from_env()
    engine_settings = Settings.from_env()
    setup_logging(engine_settings, [str(settings.secret)] if settings.secret else [])
    if migrate.current(settings.database_url) != migrate.head():
        Console(stderr=True).print(Text(MSG["old_db"], style="red"))
        raise typer.Exit(1)
    engine = db.create_engine(settings.database_url)
    with db.session_factory(engine)() as session:
        users = count_users(session)
    engine.dispose()
    from hanchot.metrics import quiet_default_runtime

    quiet_default_runtime()  # the SDK's warnings go through logging, not to stdout
    gateway = TemporalGateway.lazy(engine_settings.temporal_address, engine_settings.namespace)
    app = create_app(settings, gateway)
    out = Console(highlight=False)

    async def run() -> None:
        async with serving(app, host, port) as url:
            adopt_uvicorn()
            out.print(Text(MSG["ready"].format(url=url, address=engine_settings.temporal_address)))
            if not users:
                out.print(Text(MSG["no_users"]))
            await until_stopped()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    out.print(MSG["stopped"])


@dataclass(frozen=True)
class Dashboard:
    url: str
    first_account: NewAccount | None
    """The coordinator made on this start (print its password once), or None."""


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@contextlib.asynccontextmanager
async def embedded_dashboard(
    gateway: WorkflowGateway,
    database_url: str,
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> AsyncIterator[Dashboard]:
    """The dashboard for `hanchot dev`: on the dev store, a first coordinator when there is
    no account yet, served on `port` (or a free one when it is taken) in the running loop.

    `gateway` is `hanchot.gateway.TemporalGateway(stack.client)`. The secret is the data
    dir's `secret.key`, the one the notifier signs submit links with.
    """
    from store import db
    from web.accounts import ensure_first_coordinator
    from web.app import create_app
    from web.server import serving
    from web.settings import WebSettings

    if not _port_free(host, port):
        with socket.socket() as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
    engine = db.create_engine(database_url)
    try:
        first = ensure_first_coordinator(engine)
    finally:
        engine.dispose()
    settings = WebSettings.from_env(
        database_url=database_url, data_dir=data_dir, public_url=f"http://{host}:{port}"
    )
    app = create_app(settings, gateway)
    try:
        async with serving(app, host, port) as url:
            yield Dashboard(url, first)
    finally:
        app.state.hanchot.engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("web")(web)
