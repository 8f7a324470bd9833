"""`hanchot worker` and `hanchot dev`: run the engine, alone or with its embedded servers.

Heavy imports (Temporal, SQLAlchemy) happen inside the commands, so `hanchot --help` and
the other commands do not pay for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from activities.store_access import StoreAccess
    from hanchot.metrics import MetricsServer

MSG = {
    "worker_ready": "hanchot worker đang chạy: Temporal {address}, hàng đợi {queue}. "
    "Nhấn Ctrl-C để dừng.",
    "dev_ready": "hanchot dev đã sẵn sàng (dữ liệu trong {data}).\n"
    "  Temporal: {address} (tiến trình {pid}) — giao diện: {ui}\n"
    "  SMTP cục bộ: 127.0.0.1:{smtp} — thư lưu trong {mail} (mở bằng trình đọc thư: {eml})\n"
    "  Cơ sở dữ liệu: {db}\n"
    "  Bảng điều khiển: {web}\n"
    "{account}"
    "Nhấn Ctrl-C để dừng tất cả.",
    "first_account": "  Tài khoản điều phối đầu tiên: {email} / mật khẩu: {password}"
    " (chỉ hiện một lần; đổi bằng hanchot user)\n",
    "loaded": "Đã nạp lịch {id}: {what}.",
    "next_message": "Tin nhắn kế tiếp: {kind} {obligation} ({period}) lúc {at}, tới tối đa"
    " {units} đơn vị chưa nộp.",
    "next_remind": "nhắc hạn",
    "next_escalate": "đôn đốc",
    "no_next_message": "Chưa có tin nhắn nào được lên lịch trong năm nay và năm sau.",
    "stopped": "Đã dừng.",
    "err_connect": "lỗi: không kết nối được Temporal tại {address}: {detail}",
    "already_running": "lỗi: một hanchot dev khác đang chạy trên thư mục dữ liệu {data}"
    "{where}; dùng hệ thống đó, hoặc dừng nó (Ctrl-C) trước khi chạy lại.",
    "already_running_where": " (tiến trình {pid}, Temporal {temporal}, bảng điều khiển {web})",
}


def _out() -> Console:
    return Console(highlight=False)


def worker(
    config: Annotated[
        list[Path] | None,
        typer.Option(
            "--config",
            "-c",
            help="Tệp lịch nạp (công bố) trước khi chạy; không có: lịch trong CSDL",
        ),
    ] = None,
) -> None:
    """Chạy worker: mọi workflow và activity của hanchot trên một hàng đợi Temporal.

    Worker chỉ đọc lịch đã công bố trong CSDL, không bao giờ đọc tệp YAML; lịch công bố sau
    (hanchot load, bảng điều khiển) được áp dụng trong vài giây, không cần khởi động lại.
    """
    from temporalio.client import Client

    from hanchot.commands._observe import serve_metrics, setup_logging, temporal_runtime
    from hanchot.revision_watch import revision_watcher
    from hanchot.schedules import ensure_calendar_sync
    from hanchot.settings import Settings
    from hanchot.worker import build_worker, store_access

    settings = Settings.from_env()
    paths = list(config or settings.config_paths)
    store = store_access()
    if paths:
        _load(store, paths, "hanchot worker")
    setup_logging(settings, [])
    metrics = serve_metrics(settings)
    runtime = temporal_runtime(settings)

    async def run() -> None:
        try:
            client = await Client.connect(
                settings.temporal_address, namespace=settings.namespace, runtime=runtime
            )
        except RuntimeError as exc:
            msg = MSG["err_connect"].format(address=settings.temporal_address, detail=exc)
            Console(stderr=True).print(Text(msg, style="red"))
            raise typer.Exit(1) from None
        async with (
            build_worker(client, settings.task_queue, store),
            revision_watcher(client, store, settings.task_queue),
        ):
            await ensure_calendar_sync(client, settings.task_queue)
            text = MSG["worker_ready"].format(
                address=settings.temporal_address, queue=settings.task_queue
            )
            _out().print(Text(text))
            await until_stopped()

    _run(run(), metrics)


def _run(main: Coroutine[Any, Any, None], metrics: MetricsServer | None) -> None:
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main)
    finally:
        if metrics is not None:
            metrics.close()
    _out().print(MSG["stopped"])


async def until_stopped() -> None:
    """Wait for Ctrl-C or SIGTERM. Handlers are installed explicitly: a process started in
    the background by a shell inherits SIGINT ignored, and a service manager sends SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def dev(
    configs: Annotated[
        list[Path] | None,
        typer.Argument(help="Tệp lịch YAML nạp trước khi chạy (không có: lịch đã có trong CSDL)"),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Thư mục dữ liệu (mặc định .hanchot)")
    ] = None,
) -> None:
    """Chạy toàn bộ trên một máy: Temporal dev server, SMTP cục bộ, CSDL SQLite, worker.

    Trạng thái được giữ trong thư mục dữ liệu: chạy lại sẽ tiếp tục đúng chỗ cũ.
    """
    from activities.publishing import read_files
    from config.errors import CalendarError
    from hanchot.commands.calendar import fail_config

    configs = configs or []
    try:
        read_files(configs)  # refuse a broken file before starting anything
    except CalendarError as exc:
        raise fail_config(exc) from None

    from store import db
    from store.private import private_dir

    data = data_dir or db.data_dir()
    private_dir(data, ours=True)
    os.environ.setdefault(db.DATA_DIR_ENV, str(data))
    with _only_instance(data):
        _dev(data, configs)


@contextlib.contextmanager
def _only_instance(data: Path) -> Iterator[None]:
    """Refuse, in one line, a second `hanchot dev` on the same data dir."""
    from hanchot.devaddress import DevAlreadyRunning, single_instance

    try:
        with single_instance(data):
            yield
    except DevAlreadyRunning as exc:
        running = exc.running
        where = (
            MSG["already_running_where"].format(
                pid=running.pid, temporal=running.temporal, web=running.dashboard
            )
            if running
            else ""
        )
        text = MSG["already_running"].format(data=data, where=where)
        Console(stderr=True, highlight=False).print(Text(text, style="red"))
        raise typer.Exit(1) from None


def _dev(data: Path, configs: list[Path]) -> None:
    from boundary.types import TASK_QUEUE
    from hanchot.commands._observe import serve_metrics, setup_logging, temporal_runtime
    from hanchot.commands.notify import _settings
    from hanchot.devaddress import DevAddresses, write
    from hanchot.settings import Settings
    from hanchot.worker import store_access
    from store import db, migrate

    url = os.environ.get(db.DATABASE_URL_ENV) or f"sqlite:///{data.resolve() / 'hanchot.db'}"
    settings = Settings.from_env()
    setup_logging(settings, _settings().secrets(), default_level="warning")
    migrate.upgrade(url)
    paths = [p.resolve() for p in configs]
    metrics = serve_metrics(settings, store_access(url))
    runtime = temporal_runtime(settings)

    async def run() -> None:
        from hanchot.devstack import dev_stack

        stack_ctx = dev_stack(
            data, TASK_QUEUE, url, lambda s: _load(s, paths, "hanchot dev"), runtime=runtime
        )
        async with stack_ctx as stack:
            text = MSG["dev_ready"].format(
                data=data,
                address=stack.temporal_address,
                pid=stack.server_pid,
                ui=stack.ui_url,
                smtp=stack.smtp_port,
                mail=data / "mail",
                eml=data / "mail" / "eml",
                db=db.masked(url),
                web=stack.dashboard_url,
                account=(
                    MSG["first_account"].format(
                        email=stack.first_account.email, password=stack.first_account.password
                    )
                    if stack.first_account
                    else ""
                ),
            )
            write(
                data,
                DevAddresses(
                    os.getpid(),
                    stack.temporal_address,
                    stack.dashboard_url,
                    f"127.0.0.1:{stack.smtp_port}",
                ),
            )
            # soft_wrap: the one-time password is never broken across two lines
            _out().print(Text(text), soft_wrap=True)
            _out().print(Text(_next_line(store_access(url))), soft_wrap=True)
            await until_stopped()

    _run(run(), metrics)


def _next_line(store: StoreAccess) -> str:
    """ "Next message at …": the first run shows that something will happen, and when
    (from the calendars published in the store, as the engine will follow them)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    import sqlalchemy as sa

    from activities.calendars import PublishedCalendars
    from deadlines.vi import fmt_instant
    from hanchot.next_message import next_message
    from store.models import Cycle

    with store.read() as session:
        opened = dict(session.execute(sa.select(Cycle.workflow_id, Cycle.opened_at)).all())
    found = next_message(PublishedCalendars(store).load_all(), datetime.now(UTC), opened)
    if found is None:
        return MSG["no_next_message"]
    return MSG["next_message"].format(
        kind=MSG[f"next_{found.kind}"],
        obligation=found.obligation_name,
        period=found.period_label,
        at=fmt_instant(found.at, ZoneInfo(found.timezone)),
        units=found.units,
    )


def _load(store: StoreAccess, paths: list[Path], actor: str) -> None:
    """Publish the given files (all or none), saying per calendar what happened."""
    from activities.publishing import publish_files
    from config.errors import CalendarError
    from hanchot.commands.calendar import fail_config
    from store.changes import Entity

    try:
        with store.write() as session:
            results = publish_files(session, paths, actor)
    except CalendarError as exc:
        raise fail_config(exc) from None
    for published in results:
        changes = published.changes
        what = "không có thay đổi" if not changes else f"{len(changes.changes)} thay đổi"
        if changes.created:
            what = f"lần đầu, {len(changes.of(Entity.UNIT))} đơn vị"
        if published.number is not None:
            what += f", phiên bản {published.number}"
        _out().print(Text(MSG["loaded"].format(id=published.calendar, what=what)))


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("dev")(dev)
