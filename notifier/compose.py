"""From an outbox row to the `Outgoing` a channel sends: rendered text, the `.ics`
event, the buttons, the Message-ID and the short reference, all fixed by the row."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifier import tokens
from notifier.base import Attachment, Outgoing
from notifier.digest import digest_xlsx, xlsx_name
from notifier.email.message import sender_domain
from notifier.ics import build_calendar, deadline_event
from notifier.render import Context, render
from notifier.settings import NotifierSettings
from notifier.telegram.keyboard import decision_buttons, reminder_buttons
from store import account_mail
from store.enums import Channel

ICS_KINDS = ("reminder", "escalation", "extension_decided")
BUTTON_KINDS = ("reminder", "escalation")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Row:
    """What delivery read from the outbox row and the person, in its claim transaction."""

    id: int
    workflow_id: str
    step: str
    channel: Channel
    recipient_id: int | None
    """None: mail to a dashboard account (`store.account_mail`), not to a person."""
    person_key: str
    person_name: str
    language: str
    timezone: str
    address: str
    deadline_id: int | None
    payload: dict[str, Any]
    attempts: int
    claim: str = ""
    """The relay's claim that holds the row (`store.claims`): only it records the send."""

    @property
    def key(self) -> str:
        recipient = "account" if self.recipient_id is None else self.recipient_id
        return tokens.outbox_key(self.workflow_id, self.step, self.channel.value, recipient)

    @property
    def kind(self) -> str:
        return str(self.payload.get("kind", ""))


def submit_url(settings: NotifierSettings, row: Row) -> str:
    """The web page's signed link for this deadline and person, when the web part of
    hanchot is installed (it owns the link format: `store.submit_links`)."""
    if not row.workflow_id.startswith("deadline/"):
        return ""
    try:
        links = importlib.import_module("store.submit_links")
    except ImportError:
        return ""
    return str(
        links.submit_url(
            settings.public_url, settings.secret, row.workflow_id, person=row.person_key
        )
    )


def _announces(row: Row) -> bool:
    """A reminder of a campaign with no result report (no due rule): an announcement, with
    nothing to submit, so no "Đã nộp" button and no deadline event."""
    return row.kind == "reminder" and not row.payload.get("due_text")


def _ics(row: Row, url: str) -> Attachment | None:
    payload = row.payload
    if row.kind not in ICS_KINDS or not payload.get("legal_end") or not payload.get("due_at"):
        return None
    if _announces(row):  # a campaign with nothing to submit has no deadline to put in a calendar
        return None
    if row.kind == "extension_decided" and not (payload.get("details") or {}).get("approved"):
        return None
    window = payload.get("data_window")
    event = deadline_event(
        workflow_id=row.workflow_id,
        title=payload.get("obligation_name", ""),
        period_label=payload.get("period_label", ""),
        legal_end=date.fromisoformat(payload["legal_end"]),
        legal_end_at=datetime.fromisoformat(payload["due_at"]),
        tz=ZoneInfo(row.timezone),
        due_text=payload.get("due_text") or "",
        data_window=(date.fromisoformat(window[0]), date.fromisoformat(window[1]))
        if window
        else None,
        url=url or None,
    )
    data = build_calendar([event], payload.get("obligation_name", "hanchot"))
    return Attachment("han-nop.ics", "text/calendar", data)


def _with_password_url(settings: NotifierSettings, row: Row) -> dict[str, Any]:
    """An account's mail gets its set-password link now, from the token's nonce and the
    secret: the outbox keeps no working link (`store.account_tokens`)."""
    nonce = row.payload.get("nonce")
    if row.recipient_id is not None or not row.workflow_id.startswith("account/") or not nonce:
        return row.payload
    url = account_mail.password_url(settings.public_url, settings.secret, str(nonce))
    return {**row.payload, "password_url": url}


def compose(settings: NotifierSettings, row: Row, now: datetime | None = None) -> Outgoing:
    url = submit_url(settings, row)
    reference = tokens.reference(row.key)
    token = (
        tokens.deadline_token(settings.secret, row.workflow_id)
        if row.workflow_id.startswith("deadline/")
        else ""
    )
    ctx = Context(
        person_name=row.person_name,
        language=row.language,
        timezone=row.timezone,
        token=token,
        submit_url=url,
        reference=reference,
        dashboard_url=settings.public_url,
        **({"now": now} if now is not None else {}),
    )
    rendered = render(row.kind, _with_password_url(settings, row), ctx)
    if row.channel is Channel.EMAIL:
        ics = _ics(row, url)
        attachments = (ics,) if ics else ()
        if row.kind == "digest" and row.payload.get("groups"):
            attachments = (Attachment(xlsx_name(row.payload), XLSX, digest_xlsx(row.payload)),)
        return Outgoing(
            address=row.address,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            attachments=attachments,
            message_id=tokens.message_id(row.key, sender_domain(settings.smtp.sender)),
            reference=reference,
            headers={"X-Hanchot-Ref": reference},
        )
    buttons: tuple[tuple[Any, ...], ...] = ()
    to_role = (row.payload.get("details") or {}).get("to", "focal_point")
    if (
        row.kind in BUTTON_KINDS
        and row.deadline_id is not None
        and to_role == "focal_point"
        and not _announces(row)
    ):
        buttons = reminder_buttons(settings.secret, row.deadline_id, rendered.language)
    elif row.kind == "extension_requested":
        buttons = decision_buttons(settings.secret, row.id, rendered.language)
    return Outgoing(
        address=row.address,
        subject=rendered.subject,
        text=rendered.text,
        chat_html=rendered.chat,
        buttons=buttons,
        reference=reference,
    )
