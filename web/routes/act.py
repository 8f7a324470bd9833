"""A coordinator's actions on messages: resend one message from its outbox page, and
remind every overdue unit of a cycle from the cycle's page, each in one click
(`store.resend`; the notifier's sweep sends them at once)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from store import resend
from store.web_users import SessionUser
from web.deps import NotFound, State, UserScope, actor, require
from web.params import Id

router = APIRouter()
DECIDE = Depends(require("decide"))


@router.post("/outbox/{message_id}/resend", response_model=None)
def resend_message(
    state: State, scope: UserScope, message_id: Id, user: SessionUser = DECIDE
) -> Response:
    with state.writer() as session, session.begin():
        copy = resend.resend(session, message_id, scope, actor(user))
    if copy is None:
        raise NotFound
    return RedirectResponse(f"/outbox?resent={copy}", status_code=303)


@router.post("/cycles/{cycle_id}/remind-overdue", response_model=None)
def remind_overdue(
    state: State, scope: UserScope, cycle_id: Id, user: SessionUser = DECIDE
) -> Response:
    with state.writer() as session, session.begin():
        count = resend.remind_overdue(session, cycle_id, scope, actor(user), state.clock())
    return RedirectResponse(f"/cycles/{cycle_id}?reminded={count}", status_code=303)
