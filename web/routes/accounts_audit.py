"""The audit log as a page: who did what, when, to which thing, the before and the after.

Coordinators only; a coordinator over a subtree sees the entries about things under his
root (`audit_log.unit_id`), one over everything sees every entry. By default what people
did from the dashboard; `?show=all` adds what the engine recorded. Newest first, PAGE
entries a page: "Xem cũ hơn" asks for those before the page's last (`?before=<id>`, by time
then id, so an entry written meanwhile never shifts a page). The export holds the page shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from store import link_mail
from store.models import AuditEntry, WebRole
from store.scopes import Scope
from store.web_users import SessionUser
from web.deps import DB, UserScope, render, require
from web.params import IdQuery
from web.routes.common import export_or
from web.tables import Table

router = APIRouter()
ADMIN = Depends(require("accounts"))
PAGE = 200
ACTIONS_VI = {
    "account_created": "Tạo tài khoản (dòng lệnh)",
    "password_set": "Đặt mật khẩu (dòng lệnh)",
    "account_invited": "Mời người dùng",
    "account_invitation_resent": "Gửi lại lời mời",
    "account_activated": "Nhận lời mời, đặt mật khẩu",
    "account_deactivated": "Khóa tài khoản",
    "account_reactivated": "Mở lại tài khoản",
    "account_changed": "Đổi vai trò, phạm vi",
    "password_reset_requested": "Đề nghị đặt lại mật khẩu",
    "password_reset": "Đặt lại mật khẩu",
    "link_code_sent": "Gửi mã liên kết Zalo/Telegram",
    "telegram_link_sent": "Gửi mã liên kết Telegram",
}
FIELDS_VI = {
    "email": "email",
    "name": "họ tên",
    "role": "vai trò",
    "scope": "phạm vi",
    "active": "hoạt động",
    "password_set": "đã đặt mật khẩu",
    "telegram_linked": "đã liên kết Telegram",
    "zalo_linked": "đã liên kết Zalo",
    "code_expires": "mã hết hạn",
}


@dataclass(frozen=True, slots=True)
class AuditLine:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    before: str
    after: str
    other: str


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if key == "role" and value in {r.value for r in WebRole}:
        return WebRole(value).label_vi()
    if key == "code_expires" and isinstance(value, str):
        return link_mail.local_text(datetime.fromisoformat(value))
    return str(value)


def _words(state: Any, other: Any = None) -> str:
    """A snapshot as "vai trò: Lãnh đạo phụ trách; hoạt động: có"; beside another snapshot,
    only the fields that differ (what the action changed)."""
    if not isinstance(state, dict):
        return "" if state is None else str(state)
    keys = [k for k in state if not isinstance(other, dict) or other.get(k) != state[k]]
    if isinstance(other, dict) and not keys:
        return "(không đổi)"
    return "; ".join(f"{FIELDS_VI.get(k, k)}: {_value(k, state[k])}" for k in keys)


def entries(
    session: Session,
    scope: Scope,
    everything: bool = False,
    limit: int = PAGE,
    before: int | None = None,
) -> list[AuditLine]:
    """The latest entries in `scope` (older than entry `before`, when given): what people
    did from the dashboard (actor `web:…`) and every change to an account (the CLI's too),
    or with `everything` also what the engine and the notifier recorded."""
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if before is not None:
        at = session.scalar(sa.select(AuditEntry.at).where(AuditEntry.id == before))
        if at is None:
            return []
        query = query.where(
            sa.or_(AuditEntry.at < at, sa.and_(AuditEntry.at == at, AuditEntry.id < before))
        )
    if not everything:
        query = query.where(
            sa.or_(
                AuditEntry.actor.startswith("web:", autoescape=True),
                AuditEntry.subject.startswith("account:", autoescape=True),
            )
        )
    if not scope.everything:
        query = query.where(scope.units_clause(AuditEntry.unit_id))
    out = []
    for entry in session.scalars(query):
        details = dict(entry.details or {})
        before, after = details.pop("before", None), details.pop("after", None)
        out.append(
            AuditLine(
                entry.id,
                entry.at,
                entry.actor,
                ACTIONS_VI.get(entry.action, entry.action),
                entry.subject,
                _words(before, after),
                _words(after, before),
                json.dumps(details, ensure_ascii=False, sort_keys=True) if details else "",
            )
        )
    return out


@router.get("/audit", response_model=None)
def audit_page(
    request: Request,
    session: DB,
    scope: UserScope,
    format: str | None = None,
    show: str | None = None,
    before: IdQuery = None,
    user: SessionUser = ADMIN,
) -> Response:
    everything = show == "all"
    rows = entries(session, scope, everything, PAGE + 1, before)
    older = rows[PAGE - 1].id if len(rows) > PAGE else None
    rows = rows[:PAGE]

    def table() -> Table:
        t = Table(
            "nhat-ky-quan-tri",
            "Nhật ký quản trị",
            ["Lúc", "Người thực hiện", "Việc", "Đối tượng", "Trước", "Sau", "Chi tiết"],
        )
        for r in rows:
            t.add(r.at, r.actor, r.action, r.subject, r.before, r.after, r.other)
        return t

    return export_or(format, table) or render(
        request,
        "accounts_audit.html",
        rows=rows,
        limit=PAGE,
        everything=everything,
        older=older,
        paged=before is not None,
        export_query="&".join(
            q for q in ("show=all" if everything else "", f"before={before}" if before else "") if q
        ),
    )
