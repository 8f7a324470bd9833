"""The outbox: every message hanchot sent, or in the embedded default would have sent.
(The quarantine of replies is web.routes.quarantine.)"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from store import queues
from store.web_users import SessionUser
from web.deps import DB, NotFound, UserScope, app_state, render, require
from web.formatting import CHANNEL_VI, OUTBOX_STATUS_VI
from web.outbox_view import shown
from web.params import Id
from web.routes.common import export_or
from web.tables import Table

router = APIRouter()
MESSAGES = Depends(require("messages"))


@router.get("/outbox", response_model=None)
def outbox_page(
    request: Request,
    session: DB,
    scope: UserScope,
    status: str | None = None,
    channel: str | None = None,
    format: str | None = None,
    user: SessionUser = MESSAGES,
) -> Response:
    rows = queues.outbox(session, scope, status=status, channel=channel)

    def table() -> Table:
        t = Table(
            "hop-thu-di",
            "Hộp thư đi",
            [
                "Lúc tạo",
                "Lúc gửi",
                "Kênh",
                "Người nhận",
                "Địa chỉ",
                "Đơn vị",
                "Bước",
                "Trạng thái",
                "Số lần thử",
                "Lỗi",
                "Quy trình",
            ],
        )
        for m in rows:
            t.add(
                m.created_at,
                m.sent_at,
                CHANNEL_VI.get(m.channel.value, m.channel.value),
                m.recipient,
                m.address,
                m.unit_name,
                m.step,
                OUTBOX_STATUS_VI.get(m.status.value, m.status.value),
                m.attempts,
                m.last_error,
                m.workflow_id,
            )
        return t

    return export_or(format, table) or render(
        request,
        "outbox.html",
        rows=rows,
        status=status or "",
        channel=channel or "",
        statuses=OUTBOX_STATUS_VI,
        channels={"email": "Email", "telegram": "Telegram", "zalo": "Zalo"},
    )


@router.get("/outbox/{message_id}", response_model=None)
def outbox_message(
    request: Request,
    session: DB,
    scope: UserScope,
    message_id: Id,
    user: SessionUser = MESSAGES,
) -> Response:
    """One message's content (as data the notifier renders), for the row's details."""
    found = queues.outbox(session, scope, only=message_id)
    if not found:
        raise NotFound
    payload = json.dumps(found[0].payload, ensure_ascii=False, indent=2, sort_keys=True)
    message = shown(found[0], app_state(request).settings.secret)
    return render(request, "outbox_message.html", m=found[0], payload=payload, shown=message)
