"""`hanchot zalo`: the OA's webhook process (`serve`), and `authorize`, which stores the
refresh token of a new authorisation of the OA for one of its apps (after Zalo refused
the one stored for that app's chain)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from store.zalo_tokens import Tokens

MSG = {
    "not_configured": "lỗi: cần ZALO_OA_ID, ZALO_APP_ID, ZALO_APP_SECRET và ZALO_OA_SECRET_KEY",
    "no_app": "lỗi: cần ZALO_OA_ID và ZALO_APP_ID (cùng ZALO_STANDBY_APP_ID nếu có)",
    "bad_listen": "lỗi: --listen phải có dạng host:port, ví dụ 127.0.0.1:8444",
    "err_connect": "lỗi: không kết nối được Temporal tại {address}: {detail}",
    "ready": "hanchot zalo nhận sự kiện của OA {oa} tại {url}{path}. Nhấn Ctrl-C để dừng.",
    "authorized": (
        "Đã lưu refresh token mới của ứng dụng {app} cho OA {oa}; tin Zalo đang giữ sẽ được gửi."
    ),
    "which_app": (
        "lỗi: OA có hai ứng dụng ({apps}); chọn ứng dụng đã được ủy quyền lại bằng --app "
        "(`hanchot doctor` cho biết ứng dụng nào cần)"
    ),
    "unknown_app": "lỗi: --app {app}: không phải ứng dụng đã cấu hình ({apps})",
    "stopped": "Đã dừng.",
}

zalo_app = typer.Typer(help="Zalo Official Account: webhook và ủy quyền.", no_args_is_help=True)


@zalo_app.command("serve")
def serve(
    listen: Annotated[
        str, typer.Option("--listen", help="Địa chỉ nghe webhook, host:port")
    ] = "127.0.0.1:8444",
    path: Annotated[str, typer.Option("--path", help="Đường dẫn webhook")] = "/zalo/webhook",
) -> None:
    """Nhận sự kiện Zalo (đã kiểm chữ ký): mã liên kết, nút Đã nộp / Xin gia hạn / Nhắc lại
    sau, tệp và ảnh báo cáo làm minh chứng. Sự kiện được lưu rồi trả lời Zalo ngay, xử lý
    sau theo thứ tự của từng người."""
    from temporalio.client import Client

    from hanchot.commands._observe import setup_logging, temporal_runtime
    from hanchot.commands.engine import until_stopped
    from hanchot.commands.notify import _fail, _settings
    from hanchot.settings import Settings
    from hanchot.worker import store_access
    from notifier.inbound import Engine
    from notifier.service import zalo_channel
    from notifier.zalo.events import HANDLED, ZaloEvents
    from notifier.zalo.inbox import Inbox
    from notifier.zalo.webhook import app
    from web.server import serving

    settings = _settings()
    if not settings.zalo.enabled or not settings.zalo.oa_secret_key:
        raise _fail(MSG["not_configured"], 2)
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise _fail(MSG["bad_listen"], 2)
    engine = Settings.from_env()
    setup_logging(engine, settings.secrets())
    runtime = temporal_runtime(engine)

    async def run() -> None:
        try:
            client = await Client.connect(
                engine.temporal_address, namespace=engine.namespace, runtime=runtime
            )
        except RuntimeError as exc:
            detail = MSG["err_connect"].format(address=engine.temporal_address, detail=exc)
            raise _fail(detail) from None
        store = store_access()
        channel = zalo_channel(settings, store)
        events = ZaloEvents(store, Engine(client), settings, channel)
        inbox = Inbox(
            store, events.handle, lease_seconds=float(settings.job_lease_seconds), names=HANDLED
        )
        zalo = settings.zalo
        asgi = app(path, zalo.webhook_keys, inbox.accept)
        handling = asyncio.create_task(inbox.run())
        try:
            async with serving(asgi, host, int(port)) as url:  # type: ignore[arg-type]
                text = MSG["ready"].format(oa=zalo.oa_id, url=url, path=path)
                Console(highlight=False, soft_wrap=True).print(Text(text))  # the URL whole
                await until_stopped()
        finally:
            await inbox.stop()
            await handling
            await channel.aclose()
        logging.getLogger("hanchot.zalo").info("zalo webhook stopped")

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    Console(highlight=False).print(MSG["stopped"])


@zalo_app.command("authorize")
def authorize(
    refresh_token: Annotated[
        str,
        typer.Argument(help="Refresh token của lần ủy quyền OA mới (trang Zalo for Developers)"),
    ],
    app_choice: Annotated[
        str,
        typer.Option(
            "--app",
            help="Ứng dụng được ủy quyền lại: mã ứng dụng, `primary` (chính) hoặc `standby` "
            "(dự phòng); bỏ trống khi OA chỉ có một ứng dụng hoặc chỉ một ứng dụng cần",
        ),
    ] = "",
) -> None:
    """Lưu refresh token của một lần ủy quyền OA mới cho một ứng dụng, thay token Zalo
    đã từ chối."""
    from hanchot.commands.notify import _fail, _settings
    from hanchot.worker import store_access
    from store import zalo_tokens

    zalo = _settings().zalo
    apps = [a for a in (zalo.app_id, zalo.standby_app_id) if a]
    if not zalo.oa_id or not apps:
        raise _fail(MSG["no_app"], 2)
    store = store_access()
    with store.read() as session:
        chains = zalo_tokens.chains(session, zalo.oa_id)
    app_id = _choose(apps, app_choice.strip(), chains, _fail)
    with store.write() as session:
        zalo_tokens.adopt(session, zalo.oa_id, zalo.app_id)
        zalo_tokens.authorize(session, zalo.oa_id, app_id, refresh_token.strip())
    Console(highlight=False).print(Text(MSG["authorized"].format(app=app_id, oa=zalo.oa_id)))


def _choose(apps: list[str], wanted: str, chains: dict[str, Tokens], fail: Any) -> str:
    """The app `--app` names (primary first in `apps`), or the one that needs it when
    that is unambiguous. Only ids are needed: nothing is sent to Zalo here."""
    listed = ", ".join(apps)
    by_role = {"primary": apps[0], "standby": apps[1] if len(apps) > 1 else ""}
    if wanted:
        chosen = by_role.get(wanted) or wanted
        if chosen not in apps:
            raise fail(MSG["unknown_app"].format(app=wanted, apps=listed), 2)
        return chosen
    if len(apps) == 1:
        return apps[0]
    stranded = [a for a in apps if (c := chains.get(a)) and c.stranded_at]
    if len(stranded) == 1:
        return stranded[0]
    raise fail(MSG["which_app"].format(apps=listed), 2)


def register(app: typer.Typer) -> None:
    app.add_typer(zalo_app, name="zalo")
