"""Asking for an extension from the submit page's signed link (no login): a focal point who
uses only email acts from the link in a reminder, as one with Telegram does with a button.

The request goes to the unit's workflow (`request_extension`), which validates it (days
within bounds, a reason, no other request pending) and tells the coordinators with a
link to the decision page. The page then says what was asked and what follows.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from store.enums import InboundOutcome
from web import gateway as gw
from web.deps import State
from web.routes.submit import UNAVAILABLE, _open, _page, _remember, _target
from web.security import read_form

router = APIRouter()
MAX_DAYS = 90
"""The workflow's bound (workflows.deadline_state.EXTENSION_MAX_DAYS), checked here too so
a person sees the rule before anything is sent."""
REASON_MAX = 2000
BAD_DAYS = f"Số ngày xin gia hạn phải là một số từ 1 đến {MAX_DAYS}."
NEED_REASON = "Hãy ghi lý do xin gia hạn."


@router.post("/nop/{token}/gia-han", response_model=None)
async def ask_extension(request: Request, state: State, token: str) -> Response:
    # The same door as the submit page: a link whose person is no longer the unit's focal
    # point (or was removed) opens nothing here either.
    claim, target, refused = await _open(request, state, token)
    if refused is not None:
        return refused
    assert claim is not None and target is not None
    form = await read_form(request)  # the route's limits: no file, a few fields
    raw_days = str(form.get("days") or "").strip()
    reason = str(form.get("reason") or "").strip()[:REASON_MAX]
    again = {"problem": None, "ext_days": raw_days[:3], "ext_reason": reason}
    days = int(raw_days) if raw_days.isdigit() and len(raw_days) <= 3 else 0
    if not 1 <= days <= MAX_DAYS:
        return _page(request, target, 400, ext_error=BAD_DAYS, **again)
    if not reason:
        return _page(request, target, 400, ext_error=NEED_REASON, **again)
    key = "\x00".join([token, str(days), reason])
    request_id = "web-ext-ask-" + hashlib.sha256(key.encode()).hexdigest()[:28]
    asked = gw.ExtensionAsked(request_id, claim.person or "web:liên-kết", days, reason)
    try:
        await state.gateway.request_extension(claim.workflow_id, asked)
    except gw.GatewayRefused as exc:
        await run_in_threadpool(
            _remember, state, claim, target, request_id, InboundOutcome.REFUSED, exc.message
        )
        return _page(request, target, 409, ext_error=exc.message, **again)
    except gw.GatewayUnavailable:
        return _page(request, target, 503, ext_error=UNAVAILABLE, **again)
    await run_in_threadpool(
        _remember, state, claim, target, request_id, InboundOutcome.APPLIED, None
    )
    fresh = await run_in_threadpool(_target, state, claim)
    return _page(request, fresh or target, problem=None, ext_done=days)
