"""`hanchot user add|list|password|disable|enable`: dashboard accounts.

A user has a role (coordinator, supervisor, viewer) and a scope: one unit and everything
below it (`--scope calendar/unit`, or a unit key only one calendar has), or every
calendar (`--all-units`). Passwords are read twice without echo, or generated and
printed once (`--generate`); only an argon2id hash is stored.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

user_app = typer.Typer(help="Tài khoản đăng nhập bảng điều khiển web.", no_args_is_help=True)

ROLES = {"coordinator", "supervisor", "viewer"}
MSG = {
    "added": "Đã tạo tài khoản {email} ({role}, phạm vi: {scope}).",
    "password": "Mật khẩu (chỉ hiện một lần): {password}",
    "changed": "Đã đặt mật khẩu mới cho {email}; mọi phiên đăng nhập cũ đã kết thúc.",
    "disabled": "Đã khóa tài khoản {email}; mọi phiên đăng nhập đã kết thúc.",
    "enabled": "Đã mở lại tài khoản {email}.",
    "exists": "lỗi: đã có tài khoản {email}",
    "no_user": "lỗi: không có tài khoản {email}",
    "bad_role": "lỗi: vai trò '{role}' không hợp lệ — hợp lệ: coordinator, supervisor, viewer",
    "no_scope": "lỗi: cần --scope ĐƠN_VỊ (hoặc --all-units cho toàn bộ các lịch)",
    "both_scope": "lỗi: chọn --scope hoặc --all-units, không cả hai",
    "unit_missing": "lỗi: không có đơn vị '{ref}' trong các lịch đã nạp",
    "unit_ambiguous": "lỗi: đơn vị '{ref}' có trong nhiều lịch — ghi rõ: {matches}",
    "weak": "lỗi: {detail}",
    "mismatch": "lỗi: hai lần nhập mật khẩu không khớp",
    "all": "toàn bộ",
}


def _err(text: str) -> None:
    Console(stderr=True, highlight=False).print(Text(text, style="red"))


def _password(generate: bool) -> str | None:
    if generate:
        return None
    first = typer.prompt("Mật khẩu", hide_input=True)
    second = typer.prompt("Nhập lại mật khẩu", hide_input=True)
    if first != second:
        _err(MSG["mismatch"])
        raise typer.Exit(2)
    return str(first)


@user_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Email đăng nhập")],
    role: Annotated[str, typer.Option("--role", help="coordinator | supervisor | viewer")],
    scope: Annotated[
        str | None, typer.Option("--scope", help="Đơn vị gốc của phạm vi: lich/don-vi hoặc don-vi")
    ] = None,
    all_units: Annotated[bool, typer.Option("--all-units", help="Phạm vi: mọi lịch")] = False,
    name: Annotated[str | None, typer.Option("--name", help="Họ tên hiển thị")] = None,
    generate: Annotated[
        bool, typer.Option("--generate", help="Sinh mật khẩu ngẫu nhiên và in ra")
    ] = False,
) -> None:
    """Tạo tài khoản đăng nhập bảng điều khiển."""
    from store import db
    from store.models import WebRole
    from store.web_users import UnitNotFound
    from web.accounts import AccountExists, create_account
    from web.passwords import WeakPassword

    if role not in ROLES:
        _err(MSG["bad_role"].format(role=role))
        raise typer.Exit(2)
    if scope and all_units:
        _err(MSG["both_scope"])
        raise typer.Exit(2)
    if not scope and not all_units:
        _err(MSG["no_scope"])
        raise typer.Exit(2)
    if scope:
        from deadlines import bounds
        from hanchot.commands.deadlines import bounded

        bounded(bounds.check_ref, scope)
    password = _password(generate)
    engine = db.create_engine()
    try:
        account = create_account(engine, email, WebRole(role), scope, name=name, password=password)
    except AccountExists:
        _err(MSG["exists"].format(email=email))
        raise typer.Exit(1) from None
    except UnitNotFound as exc:
        key = "unit_ambiguous" if exc.matches else "unit_missing"
        _err(MSG[key].format(ref=exc.ref, matches=", ".join(exc.matches)))
        raise typer.Exit(1) from None
    except WeakPassword as exc:
        _err(MSG["weak"].format(detail=exc))
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    out = Console(highlight=False)
    shown = account.scope or MSG["all"]
    out.print(Text(MSG["added"].format(email=account.email, role=role, scope=shown)))
    if password is None:
        out.print(Text(MSG["password"].format(password=account.password)))


@user_app.command("list")
def list_() -> None:
    """Liệt kê tài khoản."""
    from store import db
    from store.web_users import list_users

    engine = db.create_engine()
    try:
        with db.session_factory(engine)() as session:
            rows = list_users(session)
    finally:
        engine.dispose()
    table = Table("Email", "Họ tên", "Vai trò", "Phạm vi", "Trạng thái", "Đăng nhập gần nhất")
    for user, scope in rows:
        last = f"{user.last_login_at:%d/%m/%Y %H:%M} UTC" if user.last_login_at else "—"
        state = "đã khóa" if not user.active else "hoạt động"
        if user.active and user.password_hash is None:
            state = "đã mời, chưa đặt mật khẩu"
        table.add_row(
            Text(user.email),
            Text(user.name),
            user.role.label_vi(),
            Text(scope or MSG["all"]),
            state,
            last,
        )
    Console(highlight=False).print(table)


@user_app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="Email đăng nhập")],
    generate: Annotated[bool, typer.Option("--generate", help="Sinh mật khẩu ngẫu nhiên")] = False,
) -> None:
    """Đặt mật khẩu mới; mọi phiên đăng nhập của tài khoản kết thúc."""
    from store import db
    from web.accounts import set_password
    from web.passwords import WeakPassword

    chosen = _password(generate)
    engine = db.create_engine()
    try:
        result = set_password(engine, email, chosen)
    except LookupError:
        _err(MSG["no_user"].format(email=email))
        raise typer.Exit(1) from None
    except WeakPassword as exc:
        _err(MSG["weak"].format(detail=exc))
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    out = Console(highlight=False)
    out.print(Text(MSG["changed"].format(email=email)))
    if chosen is None:
        out.print(Text(MSG["password"].format(password=result)))


def _set_active(email: str, active: bool) -> None:
    """Through the same path as the dashboard: sessions and set-password links end with a
    deactivation, and the audit log says who (`cli`), before and after."""
    from store import db
    from store.accounts import Actor, set_active
    from store.scopes import Scope
    from store.web_users import user_by_email

    engine = db.create_engine()
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            user = user_by_email(session, email)
            if user is None:
                _err(MSG["no_user"].format(email=email))
                raise typer.Exit(1)
            set_active(session, Actor("cli", None, Scope()), user.id, active)
    finally:
        engine.dispose()
    Console(highlight=False).print(
        Text(MSG["disabled" if not active else "enabled"].format(email=email))
    )


@user_app.command("disable")
def disable(email: Annotated[str, typer.Argument(help="Email đăng nhập")]) -> None:
    """Khóa tài khoản: mọi phiên đăng nhập và liên kết đặt mật khẩu hết tác dụng ngay."""
    _set_active(email, False)


@user_app.command("enable")
def enable(email: Annotated[str, typer.Argument(help="Email đăng nhập")]) -> None:
    """Mở lại tài khoản đã khóa."""
    _set_active(email, True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
